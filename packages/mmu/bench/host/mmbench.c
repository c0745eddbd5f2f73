/*
 * mmbench: the host kernel's time for the sequences bench/mmu.bench.ts runs on mmsim, each timed
 * over N iterations with clock_gettime(CLOCK_MONOTONIC), the median of 7 rounds, printed as
 * "<name> <ns per iteration>":
 *   pair      mmap(8 KiB, anonymous private) + munmap
 *   mprotect  mprotect(middle page of 3, PROT_READ) + mprotect(back to PROT_READ|PROT_WRITE): split + merge
 *   mremap    mremap(4 → 8 pages, in place) + mremap(8 → 4 pages)
 *   fork      fork() of a process with 1000 VMAs (one written page each) + the child's _exit + waitpid
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PG 4096UL

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }

typedef void (*body)(int n);

static char *region;

static void pair(int n) {
  for (int i = 0; i < n; i++) {
    void *p = mmap(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(p, 2 * PG);
  }
}

static void prot(int n) {
  for (int i = 0; i < n; i++) {
    mprotect(region + PG, PG, PROT_READ);
    mprotect(region + PG, PG, PROT_READ | PROT_WRITE);
  }
}

static void remap(int n) {
  for (int i = 0; i < n; i++) {
    if (mremap(region, 4 * PG, 8 * PG, 0) != region) exit(3);
    mremap(region, 8 * PG, 4 * PG, 0);
  }
}

static void forkexit(int n) {
  for (int i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    waitpid(pid, 0, 0);
  }
}

static void run(const char *name, body f, int n) {
  double r[7];
  f(n / 4);
  for (int k = 0; k < 7; k++) {
    double t0 = now();
    f(n);
    r[k] = (now() - t0) / n;
  }
  qsort(r, 7, sizeof r[0], cmp);
  printf("%s %.1f\n", name, r[3]);
  fflush(stdout);
}

int main(void) {
  run("pair", pair, 20000);
  region = mmap(0, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  run("mprotect", prot, 20000);
  munmap(region, 3 * PG);
  /* room to grow in place, with a gap left above: reserve 12 pages, keep 4 */
  region = mmap(0, 12 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(region + 4 * PG, 8 * PG);
  run("mremap", remap, 20000);
  for (int i = 0; i < 1000; i++) {
    char *p = mmap(0, PG, i % 2 ? PROT_READ | PROT_WRITE : PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 1;
  }
  run("fork", forkexit, 200);
  return 0;
}
