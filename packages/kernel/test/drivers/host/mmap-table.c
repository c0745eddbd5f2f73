/*
 * The MMU column of the nommu-mmap table on the host kernel, for the rows the host can make: the
 * same steps as src/drivers/table.ts, printing "<row>\t<cell>" in the same words.
 *
 *   mmap-table DIR     (DIR: a directory for the regular file; tmpfs files go in /dev/shm)
 *
 * A write "through a mapping" is the kernel's copy_to_user into it (read(2) from a pipe), so a
 * read-only mapping answers EFAULT where the simulator's writeUser faults. The second process is a
 * fork child that maps the inherited fd itself and only ever looks at its own mapping.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define LEN (2 * 4096L)
#define PG 4096L

static const char FILE_MARK[8] = "filewr!1";
static const char MAP_MARK[8] = "mapwr!!2";
static const char FORK_MARK[8] = "forkwr!3";

static char cell[512];

static void word(const char *w)
{
	if (cell[0])
		strcat(cell, "; ");
	strcat(cell, w);
}

static const char *errname(int e)
{
	switch (e) {
	case ENODEV: return "ENODEV";
	case EACCES: return "EACCES";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EPERM: return "EPERM";
	default: return "E?";
	}
}

static unsigned char pattern_byte(long i, int seed)
{
	return (unsigned char)((i * 7 + seed) & 0xff);
}

/* copy_to_user into user memory: 0, or -1 with errno EFAULT when the memory is read-only */
static int poke(void *addr, const char *bytes, size_t n)
{
	int p[2];
	if (pipe(p))
		exit(2);
	if (write(p[1], bytes, n) != (ssize_t)n)
		exit(2);
	ssize_t r = read(p[0], addr, n);
	int e = errno;
	close(p[0]);
	close(p[1]);
	errno = e;
	return r == (ssize_t)n ? 0 : -1;
}

/* a child that runs `fn` and reports one byte back */
struct kid {
	pid_t pid;
	int go[2], ans[2];
};

static void kid_start(struct kid *k)
{
	if (pipe(k->go) || pipe(k->ans))
		exit(2);
	k->pid = fork();
	if (k->pid < 0)
		exit(2);
}

static void kid_answer(struct kid *k, char c)
{
	if (write(k->ans[1], &c, 1) != 1)
		exit(2);
}

static char kid_wait(struct kid *k)
{
	char c = '?';
	if (read(k->ans[0], &c, 1) != 1)
		exit(2);
	return c;
}

static void kid_go(struct kid *k)
{
	char c = 'g';
	if (write(k->go[1], &c, 1) != 1)
		exit(2);
}

static void kid_hold(struct kid *k)
{
	char c;
	if (read(k->go[0], &c, 1) != 1)
		_exit(2);
}

static void kid_end(struct kid *k)
{
	kill(k->pid, SIGKILL);
	waitpid(k->pid, NULL, 0);
	close(k->go[0]);
	close(k->go[1]);
	close(k->ans[0]);
	close(k->ans[1]);
}

struct row {
	const char *type;
	int prot, flags;
	int kind; /* 0 anonymous, 1 file on a disk, 2 tmpfs (open, truncate, mmap), 3 /dev/null */
};

static int open_object(const struct row *r, const char *dir, unsigned char *want)
{
	char path[512];
	memset(want, 0, LEN);
	if (r->kind == 1) {
		snprintf(path, sizeof path, "%s/file", dir);
		int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		for (long i = 0; i < LEN - 100; i++)
			want[i] = pattern_byte(i, 1);
		if (fd < 0 || write(fd, want, LEN - 100) != LEN - 100)
			exit(2);
		return fd;
	}
	if (r->kind == 2) {
		snprintf(path, sizeof path, "/dev/shm/mmsim-table-%d", getpid());
		int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		unlink(path);
		if (fd < 0 || ftruncate(fd, LEN))
			exit(2);
		return fd;
	}
	if (r->kind == 3)
		return open("/dev/null", O_RDWR);
	return -1;
}

static void run_row(const struct row *r, const char *dir)
{
	static unsigned char want[LEN];
	cell[0] = 0;
	int fd = open_object(r, dir, want);
	char *a1 = mmap(NULL, LEN, r->prot, r->flags, fd, 0);
	if (a1 == MAP_FAILED) {
		word(errname(errno));
		goto out;
	}
	word("ok");
	if (memcmp(a1, want, LEN))
		word("shows other bytes");

	/* P2: its own mapping of the same fd */
	struct kid p2;
	kid_start(&p2);
	if (p2.pid == 0) {
		char *a2 = mmap(NULL, LEN, r->prot, r->flags, fd, 0);
		kid_answer(&p2, a2 == MAP_FAILED ? 'E' : 'm');
		kid_hold(&p2);
		kid_answer(&p2, memcmp(a2 + PG, MAP_MARK, 8) == 0 ? 'y' : 'n');
		kid_hold(&p2);
		_exit(0);
	}
	if (kid_wait(&p2) != 'm')
		word("P2 mmap failed");

	if (r->kind == 1 || r->kind == 2) {
		if (pwrite(fd, FILE_MARK, 8, 0) != 8)
			word("file write failed");
		else
			word(memcmp(a1, FILE_MARK, 8) == 0 ? "sees file writes" : "blind to file writes");
	}

	int wrote = poke(a1 + PG, MAP_MARK, 8) == 0;
	if (!wrote) {
		word("writes fault");
	} else {
		kid_go(&p2);
		word(kid_wait(&p2) == 'y' ? "P2 sees writes" : "P2 doesn't see writes");
		if (fd >= 0) {
			char buf[8];
			word(pread(fd, buf, 8, PG) == 8 && memcmp(buf, MAP_MARK, 8) == 0 ? "file sees writes" : "file doesn't see writes");
		}
	}
	kid_end(&p2);

	struct kid c;
	kid_start(&c);
	if (c.pid == 0) {
		kid_hold(&c);
		kid_answer(&c, memcmp(a1 + PG, FORK_MARK, 8) == 0 ? 'y' : 'n');
		kid_hold(&c);
		_exit(0);
	}
	if (poke(a1 + PG, FORK_MARK, 8) != 0) {
		word("fork ok");
	} else {
		kid_go(&c);
		word(kid_wait(&c) == 'y' ? "fork shares" : "fork copies");
	}
	kid_end(&c);
	munmap(a1, LEN);
out:
	if (fd >= 0)
		close(fd);
	printf("%s\t%s\n", r->type, cell);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	const int RW = PROT_READ | PROT_WRITE;
	const struct row rows[] = {
		{ "anonymous, MAP_PRIVATE", RW, MAP_PRIVATE | MAP_ANONYMOUS, 0 },
		{ "anonymous, MAP_SHARED", RW, MAP_SHARED | MAP_ANONYMOUS, 0 },
		{ "file, MAP_PRIVATE, PROT_READ", PROT_READ, MAP_PRIVATE, 1 },
		{ "file, MAP_PRIVATE, PROT_READ|PROT_WRITE", RW, MAP_PRIVATE, 1 },
		{ "regular file, MAP_SHARED, PROT_READ", PROT_READ, MAP_SHARED, 1 },
		{ "regular file, MAP_SHARED, PROT_READ|PROT_WRITE", RW, MAP_SHARED, 1 },
		{ "memory-backed file (ramfs: open, truncate, mmap), MAP_SHARED, PROT_READ|PROT_WRITE", RW, MAP_SHARED, 2 },
		{ "chardev without mmap (/dev/null), MAP_SHARED, PROT_READ", PROT_READ, MAP_SHARED, 3 },
	};
	setvbuf(stdout, NULL, _IONBF, 0);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		run_row(&rows[i], dir);
	return 0;
}
