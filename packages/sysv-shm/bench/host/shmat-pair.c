/*
 * shmat-pair: the host kernel's time for shmat(NULL) + shmdt of one segment, for the side-by-side
 * benchmark of @mmsim/sysv-shm. Usage: shmat-pair BYTES PAIRS ROUNDS. Prints the median of the
 * rounds in nanoseconds per pair. Removes its segment before exiting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <time.h>

static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

int main(int argc, char **argv) {
  size_t bytes = argc > 1 ? strtoul(argv[1], 0, 0) : 65536;
  int pairs = argc > 2 ? atoi(argv[2]) : 20000, rounds = argc > 3 ? atoi(argv[3]) : 7;
  int id = shmget(IPC_PRIVATE, bytes, IPC_CREAT | 0600);
  if (id < 0) return 1;
  double ns[64];
  for (int r = 0; r < rounds && r < 64; r++) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < pairs; i++) {
      void *p = shmat(id, 0, 0);
      if (p == (void *)-1 || shmdt(p) != 0) return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ns[r] = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / pairs;
  }
  shmctl(id, IPC_RMID, 0);
  qsort(ns, rounds, sizeof ns[0], cmp);
  printf("%.1f\n", ns[rounds / 2]);
  return 0;
}
