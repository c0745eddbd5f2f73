/*
 * futex-wake: the host kernel's time for FUTEX_WAKE with no waiters, for bench/futex.bench.ts.
 * Usage: futex-wake PRIVATE(0|1) CALLS ROUNDS; prints the median ns per call over the rounds.
 * The word lives in a MAP_SHARED anonymous page so that the shared case takes the key path Linux
 * takes for shmem (get_user_pages_fast, inode key).
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	int op = FUTEX_WAKE | (atoi(argv[1]) ? FUTEX_PRIVATE_FLAG : 0);
	long calls = atol(argv[2]);
	int rounds = atoi(argv[3]);
	uint32_t *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (w == MAP_FAILED || rounds < 1 || rounds > 99)
		return 2;
	*w = 0;
	double ns[99];
	for (int r = 0; r < rounds; r++) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (long i = 0; i < calls; i++)
			if (syscall(SYS_futex, w, op, 1, NULL, NULL, 0) != 0)
				return 3;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ns[r] = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / calls;
	}
	qsort(ns, rounds, sizeof(ns[0]), cmp);
	printf("%.1f\n", ns[rounds / 2]);
	return 0;
}
