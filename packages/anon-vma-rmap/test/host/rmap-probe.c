/*
 * Probe of the host kernel's reverse map, for the differential test.
 *   rmap-probe mapcount       fork chain P → C → G over one written page; prints the page's
 *                             /proc/kpagecount (page_mapcount) at each step
 *   rmap-probe merge SCENARIO maps A (2 pages), maybe writes it, forks as the scenario says, then
 *                             maps B right after A with the same protection; prints "merged" when
 *                             /proc/self/maps shows one VMA over A and B, else "split"
 * Needs root for the PFNs in /proc/self/pagemap and for /proc/kpagecount.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096UL
#define BASE ((char *)0x200000000UL)

static uint64_t pfn_of(void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0 || pread(fd, &e, 8, ((uintptr_t)addr / PG) * 8) != 8)
		exit(3);
	close(fd);
	if (!(e >> 63))
		return 0;
	return e & ((1ULL << 55) - 1);
}

static long kcount(void *addr)
{
	uint64_t pfn = pfn_of(addr), c = 0;
	int fd = open("/proc/kpagecount", O_RDONLY);
	if (pfn == 0) {
		printf("nopfn\n");
		exit(4);
	}
	if (fd < 0 || pread(fd, &c, 8, pfn * 8) != 8)
		exit(5);
	close(fd);
	return (long)c;
}

static void say(const char *label, long v)
{
	printf("%s %ld\n", label, v);
	fflush(stdout);
}

static int mapcount(void)
{
	int done[2], go[2];
	char *p = mmap(BASE, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	char c;
	if (p != BASE || pipe(done) || pipe(go))
		return 2;
	p[0] = 1;
	say("p_alone", kcount(p));
	pid_t cpid = fork();
	if (cpid == 0) {
		pid_t gpid = fork();
		if (gpid == 0) {
			close(go[1]);
			say("g_shared", kcount(p));
			p[0] = 2;
			say("g_cow", kcount(p));
			if (write(done[1], "x", 1) != 1)
				_exit(6);
			if (read(go[0], &c, 1) < 0)
				_exit(6);
			_exit(0);
		}
		close(go[1]);
		if (read(go[0], &c, 1) < 0)
			_exit(6);
		waitpid(gpid, NULL, 0);
		_exit(0);
	}
	if (read(done[0], &c, 1) != 1)
		return 6;
	say("p_after_g_cow", kcount(p));
	close(go[1]);
	waitpid(cpid, NULL, 0);
	say("p_after_exit", kcount(p));
	return 0;
}

static int merged(void)
{
	char line[512];
	unsigned long lo, hi;
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "r");
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo == (unsigned long)BASE && hi == (unsigned long)BASE + 4 * PG)
			found = 1;
	if (f)
		fclose(f);
	return found;
}

/* Scenarios: "parent", "child", "child-unfaulted", "child-cow", "grandchild", "parent-after-child-exit". */
static int merge(const char *s)
{
	int fault = strcmp(s, "child-unfaulted") != 0;
	int depth = !strcmp(s, "grandchild") ? 2 : !strncmp(s, "child", 5) ? 1 : 0;
	char *a = mmap(BASE, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (a != BASE)
		return 2;
	if (fault)
		a[0] = 1;
	if (!strcmp(s, "parent-after-child-exit")) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
	for (int i = 0; i < depth; i++) {
		pid_t pid = fork();
		if (pid != 0) {
			int st;
			waitpid(pid, &st, 0);
			_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 7);
		}
	}
	if (!strcmp(s, "child-cow"))
		a[0] = 2;
	if (mmap(BASE + 2 * PG, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != BASE + 2 * PG)
		return 2;
	printf("%s\n", merged() ? "merged" : "split");
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "mapcount"))
		return mapcount();
	if (argc >= 3 && !strcmp(argv[1], "merge"))
		return merge(argv[2]);
	fprintf(stderr, "usage: rmap-probe mapcount | merge SCENARIO\n");
	return 1;
}
