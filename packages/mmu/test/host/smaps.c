/*
 * smaps: maps a few areas at fixed addresses in a window, touches known pages, forks a child that
 * writes and reads some of them, and prints the /proc/self/smaps blocks of the window: the child's
 * between "child-begin" and "child-end", then the parent's between "parent-begin" and "parent-end".
 * The differential test replays the same calls on mmsim's MMU backend.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define W 0x300000000UL
#define PG 4096UL

static char buf[1 << 20];

static void show(const char *tag) {
  int fd = open("/proc/self/smaps", O_RDONLY);
  ssize_t n, total = 0;
  while ((n = read(fd, buf + total, sizeof buf - 1 - total)) > 0) total += n;
  close(fd);
  buf[total] = 0;
  printf("%s-begin\n", tag);
  /* print the blocks that start inside the window */
  for (char *p = buf; *p;) {
    char *next = strstr(p, "\nVmFlags:");
    next = next ? strchr(next + 1, '\n') + 1 : p + strlen(p);
    if (strtoul(p, 0, 16) >= W && strtoul(p, 0, 16) < W + 0x1000000UL) fwrite(p, 1, next - p, stdout);
    p = next;
  }
  printf("%s-end\n", tag);
  fflush(stdout);
}

static char *map(unsigned long off, int pages, int prot, int flags) {
  char *p = mmap((void *)(W + off * PG), pages * PG, prot, flags | MAP_FIXED, -1, 0);
  if (p == MAP_FAILED) exit(2);
  return p;
}

int main(void) {
  volatile char c;
  char *a = map(0, 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  a[0] = 1; a[2 * PG] = 1; a[3 * PG] = 1; c = a[PG];
  char *b = map(16, 4, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
  b[0] = 1; c = b[PG];
  char *d = map(32, 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  for (int i = 0; i < 4; i++) d[i * PG] = 1;
  mprotect(d + PG, PG, PROT_READ);
  char *e = map(48, 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  e[0] = 1; e[PG] = 1;
  mlock(e, 2 * PG);
  char *f = map(64, 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  for (int i = 0; i < 4; i++) f[i * PG] = 1;
  madvise(f + PG, 2 * PG, MADV_DONTNEED);
  map(80, 3, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE);
  map(96, 2, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
  (void)c;
  pid_t pid = fork();
  if (pid == 0) {
    a[0] = 2; c = a[2 * PG]; b[PG] = 2;
    show("child");
    _exit(0);
  }
  waitpid(pid, 0, 0);
  show("parent");
  return 0;
}
