/*
 * Seeded random fd and file syscalls in a scratch directory, each printed with its result, for the
 * kernel package's differential test. Usage: fdops SEED OPS (run inside an empty directory).
 * Paths are relative ("f0", "d/f2") or /dev/zero; "d" is a directory, "nx" never exists.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static unsigned long long rng;
static unsigned rnd(unsigned n) {
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(rng >> 33) % n;
}

static const char *paths[] = { "f0", "f1", "d", "d/f2", "/dev/zero", "nx", "nx/f", "f0/x", "" };
static const int accs[] = { O_RDONLY, O_WRONLY, O_RDWR, 3 };
static const int extras[] = { 0, O_CREAT, O_CREAT | O_EXCL, O_TRUNC, O_DIRECTORY, O_CLOEXEC, O_CREAT | O_TRUNC, O_CREAT | O_DIRECTORY };
static const long lens[] = { -1, 0, 100, 8192, 4097 };

/* The log goes to fd 100 so that the fds under test (-1..8) never touch it. */
static void out(const char *what, long r) {
	if (r < 0) dprintf(100, "%s = -%d\n", what, errno);
	else dprintf(100, "%s = %ld\n", what, r);
}

int main(int argc, char **argv) {
	rng = strtoull(argv[1], 0, 10);
	int ops = atoi(argv[2]);
	char buf[128];
	mkdir("d", 0755);
	dup2(1, 100);
	close(0);
	close(1);
	close(2);
	for (int i = 0; i < ops; i++) {
		int fd = (int)rnd(10) - 1, fd2 = (int)rnd(10) - 1;
		switch (rnd(7)) {
		case 0: case 1: {
			const char *p = paths[rnd(sizeof paths / sizeof *paths)];
			int flags = accs[rnd(4)] | extras[rnd(sizeof extras / sizeof *extras)];
			snprintf(buf, sizeof buf, "openat %s %d", *p ? p : "\"\"", flags);
			out(buf, syscall(SYS_openat, AT_FDCWD, p, flags, 0644));
			break;
		}
		case 2:
			snprintf(buf, sizeof buf, "close %d", fd);
			out(buf, syscall(SYS_close, fd));
			break;
		case 3:
			snprintf(buf, sizeof buf, "dup %d", fd);
			out(buf, syscall(SYS_dup, fd));
			break;
		case 4:
			snprintf(buf, sizeof buf, "dup2 %d %d", fd, fd2);
			out(buf, syscall(SYS_dup2, fd, fd2));
			break;
		case 5: {
			int fl = rnd(3) == 0 ? O_CLOEXEC : rnd(2);
			snprintf(buf, sizeof buf, "dup3 %d %d %d", fd, fd2, fl);
			out(buf, syscall(SYS_dup3, fd, fd2, fl));
			break;
		}
		case 6: {
			long len = lens[rnd(5)];
			snprintf(buf, sizeof buf, "ftruncate %d %ld", fd, len);
			out(buf, syscall(SYS_ftruncate, fd, len));
			break;
		}
		}
	}
	struct stat st;
	for (int i = 0; i < 4; i++)
		if (stat(paths[i], &st) == 0 && S_ISREG(st.st_mode)) dprintf(100, "size %s %ld\n", paths[i], (long)st.st_size);
	return 0;
}
