/*
 * futexops: runs a script of futex(2) calls read from stdin against the host kernel and prints one
 * line per command, for test/host-differential.test.ts. Calls go through syscall(SYS_futex) so that
 * libc adds nothing. Blocking waits run in their own thread; after every command the program waits
 * until each live worker is either queued on a futex or finished, so the output is deterministic.
 * Whether a worker is queued is asked of the kernel itself: FUTEX_REQUEUE of a word onto itself with
 * nr_wake 0 moves nobody and returns the number of waiters on that key.
 *
 * Slots (the words the script names):
 *   0..2   words 0, 1, 2 of a memfd mapped MAP_SHARED at A      3, 4  the same words mapped at B
 *   5, 6   words 0, 1 of a private anonymous page (written)    7     word 0 of a shared anonymous page
 *   8, 9   A+1, A+2 (misaligned)                               10    a PROT_READ private anonymous page
 *   11     a PROT_NONE page                                    12    an unmapped page
 *   13     NULL                                                14    0x800000000000 (above TASK_SIZE)
 *   15     word 0 of the memfd's second page (at A + 4096)
 *
 * Commands and output:
 *   set S V                 -> "ok"          stores V at slot S
 *   get S                   -> "v=V"
 *   wait W OP S VAL TK VAL3 -> "r=R" or "r=blocked"   futex(S, OP, VAL, timeout TK, NULL, VAL3) in worker W
 *   call OP S VAL VAL2 S2 VAL3 TK -> "r=R[ wN=R ...]"  futex on the main thread; workers it woke follow
 * R is the return value or -errno. TK: 0 none, 1 zero (or the epoch, for absolute clocks),
 * 2 an hour from now, 3 tv_nsec = 1e9, 4 tv_sec = -1. A wait with TK 1 is let finish before the
 * line is printed: its timer has expired, but the worker may sit queued for a moment first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NSLOTS 16
#define MAXW 256
#define PG 4096

static uintptr_t slot[NSLOTS];

struct worker {
	pthread_t th;
	int op, tk;
	uintptr_t uaddr;
	uint32_t val, val3;
	long result;
	int finished;
	int reported;
	int used;
};
static struct worker w[MAXW];
static int live; /* started and not yet reported */

static long futex(uintptr_t uaddr, int op, uint32_t val, const void *utime, uintptr_t uaddr2, uint32_t val3)
{
	long r = syscall(SYS_futex, uaddr, op, val, utime, uaddr2, val3);
	return r == -1 ? -errno : r;
}

static int cmd_has_timeout(int op)
{
	int cmd = op & FUTEX_CMD_MASK;
	return cmd == FUTEX_WAIT || cmd == FUTEX_LOCK_PI || cmd == 13 /* LOCK_PI2 */ ||
	       cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_WAIT_REQUEUE_PI;
}

/* The timespec of a timeout kind; absolute kinds for every command but FUTEX_WAIT. */
static void make_timeout(struct timespec *ts, int op, int tk)
{
	int cmd = op & FUTEX_CMD_MASK;
	int absolute = cmd != FUTEX_WAIT;
	clockid_t clk = (op & FUTEX_CLOCK_REALTIME) || cmd == FUTEX_LOCK_PI ? CLOCK_REALTIME : CLOCK_MONOTONIC;
	memset(ts, 0, sizeof(*ts));
	switch (tk) {
	case 2:
		if (absolute)
			clock_gettime(clk, ts);
		ts->tv_sec += 3600;
		break;
	case 3:
		ts->tv_nsec = 1000000000;
		break;
	case 4:
		ts->tv_sec = -1;
		break;
	}
}

static void *worker_main(void *arg)
{
	struct worker *me = arg;
	struct timespec ts;
	const void *utime = NULL;
	if (me->tk != 0) {
		make_timeout(&ts, me->op, me->tk);
		utime = &ts;
	}
	long r = futex(me->uaddr, me->op, me->val, utime, 0, me->val3);
	__atomic_store_n(&me->result, r, __ATOMIC_SEQ_CST);
	__atomic_store_n(&me->finished, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * Waiters queued on every key the slots can name, each key counted once. A requeue can move waiters
 * onto the private key of a word that can't be read (PROT_NONE, unmapped, NULL), so those count too.
 */
static long queued(void)
{
	static const int priv[] = { 0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 15 };
	static const int shared[] = { 0, 1, 2, 5, 6, 7, 15 }; /* 3, 4 alias 0, 1 */
	long n = 0;
	for (unsigned i = 0; i < sizeof(priv) / sizeof(priv[0]); i++) {
		uintptr_t a = slot[priv[i]];
		long r = futex(a, FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG, 0, (void *)(uintptr_t)INT_MAX, a, 0);
		if (r > 0)
			n += r;
	}
	for (unsigned i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
		uintptr_t a = slot[shared[i]];
		long r = futex(a, FUTEX_REQUEUE, 0, (void *)(uintptr_t)INT_MAX, a, 0);
		if (r > 0)
			n += r;
	}
	return n;
}

static int unfinished(void)
{
	int n = 0;
	for (int i = 0; i < MAXW; i++)
		if (w[i].used && !__atomic_load_n(&w[i].finished, __ATOMIC_SEQ_CST))
			n++;
	return n;
}

/* Until every live worker is queued or finished. */
static void quiesce(void)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int u = unfinished();
		if (queued() == u && unfinished() == u)
			return;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 10) {
			fprintf(stderr, "futexops: workers did not settle (%d unfinished)\n", u);
			exit(2);
		}
		sched_yield();
	}
}

/* Until worker `me` has returned. */
static void settle(struct worker *me)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!__atomic_load_n(&me->finished, __ATOMIC_SEQ_CST)) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 10) {
			fprintf(stderr, "futexops: worker %ld with an expired timeout still waits\n", (long)(me - w));
			exit(2);
		}
		sched_yield();
	}
}

static void report_finished(void)
{
	for (int i = 0; i < MAXW; i++) {
		if (w[i].used && !w[i].reported && __atomic_load_n(&w[i].finished, __ATOMIC_SEQ_CST)) {
			printf(" w%d=%ld", i, w[i].result);
			w[i].reported = 1;
			pthread_join(w[i].th, NULL);
			live--;
		}
	}
}

static uintptr_t map(size_t len, int prot, int flags, int fd)
{
	void *p = mmap(NULL, len, prot, flags, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return (uintptr_t)p;
}

static void setup(void)
{
	int fd = memfd_create("futexops", 0);
	if (fd < 0 || ftruncate(fd, 2 * PG) != 0) {
		perror("memfd");
		exit(2);
	}
	uintptr_t a = map(2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	uintptr_t b = map(2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	uintptr_t p = map(PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	uintptr_t s = map(PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1);
	uintptr_t ro = map(PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	uintptr_t none = map(PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	uintptr_t gone = map(PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	munmap((void *)gone, PG);
	memset((void *)p, 0, 8);
	memset((void *)s, 0, 4);
	uintptr_t s0[NSLOTS] = { a, a + 4, a + 8, b, b + 4, p, p + 4, s, a + 1, a + 2,
				 ro, none, gone, 0, 0x800000000000UL, a + PG };
	memcpy(slot, s0, sizeof(slot));
}

int main(void)
{
	char line[512];
	setup();
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		char name[16];
		long a[7] = { 0 };
		int n = sscanf(line, "%15s %li %li %li %li %li %li %li", name, &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &a[6]);
		if (n < 1)
			continue;
		if (!strcmp(name, "set")) {
			*(volatile uint32_t *)slot[a[0]] = (uint32_t)a[1];
			printf("ok\n");
		} else if (!strcmp(name, "get")) {
			printf("v=%u\n", *(volatile uint32_t *)slot[a[0]]);
		} else if (!strcmp(name, "wait")) {
			struct worker *me = &w[a[0]];
			if (a[0] < 0 || a[0] >= MAXW || me->used) {
				fprintf(stderr, "futexops: bad worker %ld\n", a[0]);
				return 2;
			}
			me->used = 1;
			me->op = (int)a[1];
			me->uaddr = slot[a[2]];
			me->val = (uint32_t)a[3];
			me->tk = (int)a[4];
			me->val3 = (uint32_t)a[5];
			live++;
			if (pthread_create(&me->th, NULL, worker_main, me) != 0) {
				perror("pthread_create");
				return 2;
			}
			if (me->tk == 1)
				settle(me); /* an expired timeout may sit queued for a moment */
			quiesce();
			if (__atomic_load_n(&me->finished, __ATOMIC_SEQ_CST)) {
				printf("r=%ld\n", me->result);
				me->reported = 1;
				pthread_join(me->th, NULL);
				live--;
			} else {
				printf("r=blocked\n");
			}
		} else if (!strcmp(name, "call")) {
			int op = (int)a[0];
			struct timespec ts;
			const void *utime = (void *)(uintptr_t)(uint32_t)a[3];
			if (cmd_has_timeout(op)) {
				utime = NULL;
				if (a[6] != 0) {
					make_timeout(&ts, op, (int)a[6]);
					utime = &ts;
				}
			}
			long r = futex(slot[a[1]], op, (uint32_t)a[2], utime, slot[a[4]], (uint32_t)a[5]);
			quiesce();
			printf("r=%ld", r);
			report_finished();
			printf("\n");
		} else {
			fprintf(stderr, "futexops: unknown command %s\n", name);
			return 2;
		}
	}
	/* Release everyone still waiting, then leave. */
	for (int i = 0; i < NSLOTS; i++) {
		futex(slot[i], FUTEX_WAKE, INT_MAX, NULL, 0, 0);
		futex(slot[i], FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, 0, 0);
	}
	quiesce();
	printf("end");
	report_finished();
	printf("\n");
	return live == 0 ? 0 : 3;
}
