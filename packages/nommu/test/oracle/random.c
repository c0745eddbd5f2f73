/* Oracle: a seeded pseudo-random sequence of mm calls on Linux 6.12 NOMMU (compile with -DSEED=n;
 * scripts/capture.sh makes random-<n>.txt for each seed). Anonymous mappings of random sizes,
 * munmap of whole VMAs, heads and tails, mremap shrink and in-place grow, brk, ramfs files mapped
 * shared, read-only private (sharing, overlays) and writable private (copies), the ext2 files of
 * files.c, /dev/zero, the syscalls NOMMU doesn't build, bad arguments, vm.nr_trim_pages, ramfs
 * truncates, and vfork children that map the same files while the parent's regions are alive.
 *
 * The program keeps a model of the kernel (its own VMAs, every shareable region of every process
 * alive, the ramfs page caches) and predicts each call before making it, so that it only issues
 * what 6.12 survives (see nommu-qemu's README):
 * - no process maps a shareable region it already maps (the maple tree can't hold both VMAs);
 * - no shareable request on a copy-only file meets a region it doesn't fit in (the "mismatched
 *   mappings" EINVAL corrupts the kernel), and no direct placement lands on an existing region;
 * - no munmap of a hole, and nothing unmaps a VMA that mremap left shorter than its maple-tree
 *   entry (it is first grown back);
 * - no shrinking truncate of a ramfs file under a direct read-only overlay of the cut pages.
 * It also avoids what depends on the kernel's page allocator, which a simulator can't reproduce:
 * a shareable request two regions could answer (the region walk goes in address order), and a
 * direct mapping over ramfs pages a read filled in (contiguous or not by chance).
 * A result that differs from the prediction prints "## model: ..." and ends the random part:
 * capture.sh refuses such a run, and test/replay.test.ts fails on the line.
 * A child learns the parent's regions, files and fds from /rstate (written before each spawn,
 * untraced) and hands back what its reads put in the ramfs page caches. Each process ends with a
 * "## stats" comment: what it exercised; the replay checks its count of shares. */
#include "oracle.h"

#ifndef SEED
#define SEED 1
#endif
#ifndef NCALLS
#define NCALLS 170
#endif
#define CHILD_CALLS 28
#define MAXCHILD 4
#define SNAP_EVERY 25

#define EPERM_ 1
#define ENOENT_ 2
#define EBADF_ 9
#define ENOMEM_ 12
#define EACCES_ 13
#define ENODEV_ 19
#define EINVAL_ 22
#define ETXTBSY_ 26
#define EFBIG_ 27
#define ENOSYS_ 38
#define EOVERFLOW_ 75
#define UNSAFE 100000L /* a call 6.12 would not survive (or the model can't vouch for) */

/* the files: three on the ext2 disk (copy only), three in ramfs (direct), /dev/zero, the console */
enum { F_DATA, F_SMALL, F_BIG, F_R0, F_R1, F_R2, F_ZERO, F_CONSOLE, NFILE };
static const char *fpath(int f) {
  switch (f) {
  case F_DATA: return "/mnt/data.bin";
  case F_SMALL: return "/mnt/small.bin";
  case F_BIG: return "/mnt/big.bin";
  case F_R0: return "/r0.bin";
  case F_R1: return "/r1.bin";
  case F_R2: return "/r2.bin";
  case F_ZERO: return "/dev/zero";
  default: return "/dev/console";
  }
}
static int is_disk(int f) { return f <= F_BIG; }
static int is_ramfs(int f) { return f >= F_R0 && f <= F_R2; }

#define MAXR 96
#define MAXFD 24
#define MAXV 64
/* a shareable region (VM_MAYSHARE or VM_MAYOVERLAY) of a file, alive in some process */
struct reg { int used, file, direct, usage, pinned; long pgoff, npages; ulong start; };
/* what a ramfs file holds: its size; how many of its pages, from 0, are the contiguous run the
 * truncate from 0 gathered (at base, once a direct mapping showed it); the pages past that run a
 * copy's read certainly put in the page cache (rd, one bit a page; filemap_read() fills a hole of
 * ramfs with a fresh page), and how far readahead may have put more (ra_end: unknowable) */
struct fil { long size, present, ra_end; ulong base, rd; };
struct fdt { int used, file, mode; long fd; };
/* what a child inherits from the parent */
static struct state { struct reg r[MAXR]; struct fil f[NFILE]; struct fdt d[MAXFD]; long nchild; } S;
/* a VMA of this process; fixed ones (image, stack) are never touched */
struct vma { int used, fixed, file, reg, shareable, vmshared; long pgoff; ulong start, cur, idx; };
static struct vma V[MAXV];

static ulong rs;
static ulong rnd(void) { rs ^= rs >> 12; rs ^= rs << 25; rs ^= rs >> 27; return rs * 0x2545F4914F6CDD1DUL; }
static long rn(long n) { return n <= 1 ? 0 : (long)(rnd() % (ulong)n); }
static int pct(int p) { return rn(100) < p; }

static long ncalls, since_snap, nsnap, stop;
/* what the run exercised, printed as a comment at each process's end */
static long st_share, st_share_copy, st_direct, st_overlay, st_hole, st_copy, st_unsafe;
static void stats(void) {
  out("## stats pid "); out_dec(PID); out(": shared "); out_dec(st_share); out(" (MAP_SHARED on a copy "); out_dec(st_share_copy);
  out("), direct "); out_dec(st_direct); out(" (overlays "); out_dec(st_overlay); out(", on a filled hole "); out_dec(st_hole);
  out("), file copies "); out_dec(st_copy); out(", calls the model refused "); out_dec(st_unsafe); out("\n"); out_flush();
}
static int is_child;
static void counted(void) { ncalls++; since_snap++; }
static void maybe_snap(void) {
  if (since_snap < SNAP_EVERY) return;
  char tag[8]; long n = ++nsnap; int i = 0;
  tag[i++] = 's';
  if (n >= 10) tag[i++] = (char)('0' + n / 10);
  tag[i++] = (char)('0' + n % 10); tag[i] = 0;
  snap(tag);
  since_snap = 0;
}
static void model_says(const char *what, long want, long got) {
  out("## model: "); out(what); out(" expected "); out_dec(want); out(" got "); out_dec(got); out("\n"); out_flush();
  stop = 1;
}
static ulong palign(ulong x) { return (x + P - 1) & ~(P - 1); }

/* ---- the model's tables ---- */
static int new_vma(void) { for (int i = 0; i < MAXV; i++) if (!V[i].used) { V[i].used = 1; V[i].fixed = 0; V[i].file = -1; V[i].reg = -1; V[i].shareable = 0; V[i].vmshared = 0; V[i].pgoff = 0; return i; } return -1; }
static int nvmas(void) { int n = 0; for (int i = 0; i < MAXV; i++) n += V[i].used && !V[i].fixed; return n; }
static int new_reg(void) { for (int i = 0; i < MAXR; i++) if (!S.r[i].used) { S.r[i].used = 1; S.r[i].pinned = 0; S.r[i].usage = 0; return i; } return -1; }
static void put_reg(int r) { if (r >= 0 && --S.r[r].usage == 0) S.r[r].used = 0; }
static int fd_slot(long fd) { for (int i = 0; i < MAXFD; i++) if (S.d[i].used && S.d[i].fd == fd) return i; return -1; }
static int holds_region(int r) { for (int i = 0; i < MAXV; i++) if (V[i].used && V[i].reg == r) return 1; return 0; }
/* the VMAs of this process in address order */
static int sorted_vmas(int *ix) {
  int n = 0;
  for (int i = 0; i < MAXV; i++) if (V[i].used) {
    int j = n++;
    while (j > 0 && V[ix[j - 1]].start > V[i].start) { ix[j] = ix[j - 1]; j--; }
    ix[j] = i;
  }
  return n;
}
/* a random VMA of ours (not the image or stack), or -1 */
static int pick_vma(int want_file) {
  int c[MAXV], n = 0;
  for (int i = 0; i < MAXV; i++) if (V[i].used && !V[i].fixed && (want_file < 0 || (want_file == 1) == (V[i].file >= 0))) c[n++] = i;
  return n ? c[rn(n)] : -1;
}
static long file_pages(int f) { return (long)(palign((ulong)S.f[f].size) / P); }
#define MAXFPAGES 40 /* ramfs files stay below this, so rd fits */

/* ramfs_nommu_get_unmapped_area() for pages [a, a + n): 1 when the pages are all in the page cache
 * and physically contiguous, 0 when they are not (-ENOSYS), -1 when the model can't tell (readahead
 * may have filled a hole; pages filled one by one may or may not be adjacent) */
static int ramfs_gua(int f, long a, long n) {
  long maxp = file_pages(f), hole = 0, maybe = 0;
  if (a >= maxp || maxp - a < n) return 0;
  for (long i = a; i < a + n; i++) {
    if (i < S.f[f].present) continue;
    hole = 1;
    if (i < 64 && (S.f[f].rd >> i & 1)) continue;
    if (i < S.f[f].ra_end) maybe = 1;
    else return 0;                                        /* certainly missing: the gathering stops there */
  }
  if (maybe || (hole && n > 1)) return -1;
  return hole ? 2 : 1;                                    /* 2: one page a read filled, somewhere */
}
/* a copy read pages [a, a + n) of ramfs file f: every page of that within EOF is in the page cache now */
static void ramfs_read(int f, long a, long n) {
  long maxp = file_pages(f), touched = 0;
  for (long i = a; i < a + n && i < maxp; i++) if (i >= S.f[f].present) { S.f[f].rd |= 1UL << i; touched = 1; }
  if (touched && S.f[f].ra_end < maxp) S.f[f].ra_end = maxp;
}

/* ---- mmap: the kernel's decisions, in do_mmap()'s order ---- */
enum { OUT_ANON = 1, OUT_COPY, OUT_SHARE, OUT_DIRECT };
struct pred { long kind; int reg, file, shareable, hole; long pgoff, npages; ulong at; };

static long predict_mmap(ulong len, long prot, long flags, long fd, ulong off, struct pred *p) {
  p->kind = 0; p->hole = 0; p->reg = -1; p->file = -1; p->shareable = 0; p->at = 0; p->pgoff = 0; p->npages = 0;
  if (off & (P - 1)) return -EINVAL_;                     /* riscv sys_mmap */
  int slot = -1;
  if (!(flags & 0x20)) { slot = fd_slot(fd); if (slot < 0) return -EBADF_; }
  if (flags & 0x10) return -EINVAL_;
  long type = flags & 0xf;
  if (type != 1 && type != 2) return -EINVAL_;
  if (!len) return -EINVAL_;
  ulong rlen = palign(len);
  if (!rlen) return -ENOMEM_;
  ulong pgoff = (ulong)((long)off >> 12);
  if (pgoff + (rlen >> 12) < pgoff) return -EOVERFLOW_;
  p->pgoff = (long)pgoff; p->npages = (long)(rlen >> 12);
  if (slot < 0) { p->kind = OUT_ANON; return 0; }
  int f = S.d[slot].file, mode = S.d[slot].mode; p->file = f;
  if (f == F_CONSOLE) return -ENODEV_;                    /* a tty has no ->mmap */
  int direct = is_ramfs(f);
  if (mode == 1) return -EACCES_;                         /* not open for reading */
  if (type == 1) {
    if ((prot & 2) && mode == 0) return -EACCES_;
    if (!direct) return -ENODEV_;
  } else if (prot & 2) direct = 0;
  int shareable = type == 1 || !(prot & 2);
  p->shareable = shareable;
  long pgend = (long)pgoff + p->npages;
  if (shareable) {
    /* the region walk, in address order */
    int ix[MAXR], n = 0;
    for (int i = 0; i < MAXR; i++) if (S.r[i].used && S.r[i].file == f) {
      int j = n++;
      while (j > 0 && S.r[ix[j - 1]].start > S.r[i].start) { ix[j] = ix[j - 1]; j--; }
      ix[j] = i;
    }
    /* which region the walk meets first is the page allocator's doing: with two candidates the
     * answer depends on where each one landed, which no simulator can reproduce */
    int meet = 0, fit = 0;
    for (int k = 0; k < n; k++) {
      struct reg *r = &S.r[ix[k]];
      if (r->pgoff >= pgend || (long)pgoff >= r->pgoff + r->npages) continue;
      meet++;
      fit += (long)pgoff >= r->pgoff && pgend <= r->pgoff + r->npages;
    }
    if (direct ? fit > 1 : meet > 1) return -UNSAFE;
    for (int k = 0; k < n; k++) {
      struct reg *r = &S.r[ix[k]];
      if (r->pgoff >= pgend || (long)pgoff >= r->pgoff + r->npages) continue;
      if (!((long)pgoff >= r->pgoff && pgend <= r->pgoff + r->npages)) {
        if (!direct) return -UNSAFE;                      /* "Attempt to share mismatched mappings" */
        continue;
      }
      if (holds_region(ix[k])) return -UNSAFE;            /* a second VMA on one region */
      p->kind = OUT_SHARE; p->reg = ix[k];
      p->at = r->start + (ulong)(((long)pgoff - r->pgoff) * (long)P);
      return 0;
    }
    if (direct) {
      int g = ramfs_gua(f, (long)pgoff, p->npages);
      if (g < 0) return -UNSAFE;
      if (g > 0) {
        for (int i = 0; i < MAXR; i++)
          if (S.r[i].used && S.r[i].file == f && S.r[i].direct && S.r[i].pgoff < pgend && (long)pgoff < S.r[i].pgoff + S.r[i].npages)
            return -UNSAFE;                               /* a second region on the same pages */
        p->kind = OUT_DIRECT;
        if (g == 1 && S.f[f].base) p->at = S.f[f].base + pgoff * P;
        p->hole = g == 2;
        return 0;
      }
      if (type == 1) return -ENODEV_;                     /* ENOSYS from the fs: no copy for MAP_SHARED */
    }
  }
  if (f == F_ZERO) return -EINVAL_;                       /* kernel_read() refuses it */
  p->kind = OUT_COPY;
  return 0;
}

static long r_mmap(ulong addr, ulong len, long prot, long flags, long fd, ulong off) {
  struct pred p;
  long want = predict_mmap(len, prot, flags, fd, off, &p);
  if (want == -UNSAFE) { st_unsafe++; return -UNSAFE; }
  long got = t_mmap(addr, len, prot, flags, fd, off);
  counted();
  if (want < 0 || is_err(got)) { if (got != want) model_says("mmap", want, got); return got; }
  if (p.kind == OUT_SHARE && (ulong)got != p.at) { model_says("shared mmap at", (long)p.at, got); return got; }
  if (p.kind == OUT_DIRECT && p.at && (ulong)got != p.at) { model_says("direct mmap at", (long)p.at, got); return got; }
  for (int i = 0; i < MAXV; i++)
    if (V[i].used && p.kind != OUT_SHARE && (ulong)got < V[i].start + V[i].idx && (ulong)got + p.npages * P > V[i].start) { model_says("fresh mmap inside a VMA at", (long)V[i].start, got); return got; }
  int v = new_vma();
  if (v < 0) { model_says("room for a VMA", 0, got); return got; }
  V[v].start = (ulong)got; V[v].cur = V[v].idx = (ulong)p.npages * P; V[v].file = p.file; V[v].pgoff = p.pgoff;
  V[v].shareable = p.shareable; V[v].vmshared = p.file >= 0 && (flags & 0xf) == 1;
  if (p.kind == OUT_COPY && is_ramfs(p.file)) ramfs_read(p.file, p.pgoff, p.npages);
  if (p.kind == OUT_SHARE) { st_share++; if (!S.r[p.reg].direct && (flags & 0xf) == 1) st_share_copy++; }
  if (p.kind == OUT_DIRECT) { st_direct++; st_overlay += (flags & 0xf) == 2; st_hole += p.hole; }
  if (p.kind == OUT_COPY && p.file >= 0) st_copy++;
  if (p.kind == OUT_SHARE) { V[v].reg = p.reg; S.r[p.reg].usage++; }
  else if (p.shareable && p.kind != OUT_ANON) {
    int r = new_reg();
    if (r < 0) { model_says("room for a region", 0, got); return got; }
    S.r[r].file = p.file; S.r[r].direct = p.kind == OUT_DIRECT; S.r[r].usage = 1; S.r[r].pgoff = p.pgoff;
    S.r[r].npages = p.npages; S.r[r].start = (ulong)got; V[v].reg = r;
    if (p.kind == OUT_DIRECT && !p.hole && !S.f[p.file].base) S.f[p.file].base = (ulong)got - (ulong)p.pgoff * P;
  }
  return got;
}

/* ---- munmap: do_munmap()'s rules over the VMAs as they really are ---- */
enum { M_WHOLE = 1, M_HEAD, M_TAIL };
static long predict_munmap(ulong start, ulong len, int *vi) {
  ulong alen = palign(len);
  if (!alen) return -EINVAL_;
  ulong end = start + alen;
  int ix[MAXV], n = sorted_vmas(ix), k;
  /* the part of a maple-tree entry mremap shrank away: 6.12 still finds the VMA there */
  for (k = 0; k < n; k++) { struct vma *w = &V[ix[k]]; if (w->cur != w->idx && start < w->start + w->idx && end > w->start + w->cur) return -UNSAFE; }
  for (k = 0; k < n; k++) if (V[ix[k]].start < end && V[ix[k]].start + V[ix[k]].cur > start) break;
  if (k == n) return -EINVAL_;
  struct vma *v = &V[ix[k]];
  long res;
  if (v->file >= 0) {
    for (; k < n && V[ix[k]].start < end; k++) {
      struct vma *w = &V[ix[k]];
      if (start > w->start) return -EINVAL_;
      if (end == w->start + w->cur) { *vi = ix[k]; if (w->fixed || w->cur != w->idx) return -UNSAFE; return M_WHOLE; }
    }
    return -EINVAL_;
  }
  *vi = ix[k];
  ulong vend = v->start + v->cur;
  if (start == v->start && end == vend) res = M_WHOLE;
  else if (start < v->start || end > vend) return -EINVAL_;
  else if (start & (P - 1)) return -EINVAL_;
  else if (start != v->start && end != vend) return -UNSAFE;    /* a hole: 6.12 oopses */
  else res = start == v->start ? M_HEAD : M_TAIL;
  if (v->fixed || v->cur != v->idx) return -UNSAFE;
  return res;
}
static long r_munmap(ulong start, ulong len) {
  int v = -1;
  long want = predict_munmap(start, len, &v);
  if (want == -UNSAFE) { st_unsafe++; return -UNSAFE; }
  long got = t_munmap(start, len);
  counted();
  if ((want < 0 ? want : 0) != got) { model_says("munmap", want, got); return got; }
  if (want < 0) return got;
  ulong end = start + palign(len);
  if (want == M_WHOLE) { put_reg(V[v].reg); V[v].used = 0; }
  else if (want == M_HEAD) { V[v].cur -= end - V[v].start; V[v].idx = V[v].cur; V[v].start = end; }
  else { V[v].cur = V[v].idx = start - V[v].start; }
  return got;
}

/* ---- mremap: in place, within the region, never for a shareable VMA ---- */
static long r_mremap(ulong addr, ulong olen, ulong nlen, long flags, ulong na) {
  ulong oa = palign(olen), nn = palign(nlen);
  long want; int v = -1;
  if (!oa || !nn || (addr & (P - 1)) || ((flags & 2) && na != addr)) want = -EINVAL_;
  else {
    for (int i = 0; i < MAXV; i++) if (V[i].used && V[i].start <= addr && addr < V[i].start + V[i].idx) v = i;
    if (v < 0 || V[v].start != addr || V[v].cur != oa) want = -EINVAL_;
    else if (V[v].fixed) return -UNSAFE;
    else if (V[v].shareable) want = -EPERM_;
    else if (nn > V[v].idx) want = -ENOMEM_;
    else want = (long)addr;
  }
  long got = t_mremap(addr, olen, nlen, flags, na);
  counted();
  if (got != want) { model_says("mremap", want, got); return got; }
  if (!is_err(got)) V[v].cur = nn;
  return got;
}
/* grows a VMA mremap shrank back to its maple-tree length, so it can be unmapped */
static void restore(int v) { if (V[v].cur != V[v].idx) r_mremap(V[v].start, V[v].cur, V[v].idx, 0, 0); }

/* ---- files ---- */
static long r_open(int f, long mode) {
  long flags = mode;
  if (is_ramfs(f) && S.f[f].size == 0 && pct(50) && mode != 0) flags |= 0x40;
  long got = t_open(fpath(f), flags);
  counted();
  if (!is_err(got)) {
    for (int i = 0; i < MAXFD; i++) if (!S.d[i].used) { S.d[i].used = 1; S.d[i].fd = got; S.d[i].file = f; S.d[i].mode = (int)(mode & 3); break; }
  }
  return got;
}
/* an open fd on f (opened now if there is none) */
static long fd_for(int f) {
  int c[MAXFD], n = 0;
  for (int i = 0; i < MAXFD; i++) if (S.d[i].used && S.d[i].file == f) c[n++] = i;
  if (n && !pct(8)) return S.d[c[rn(n)]].fd;
  long mode = f == F_ZERO ? 2 : is_disk(f) ? 0 : pct(75) ? 2 : pct(50) ? 0 : 1;
  return r_open(f, mode);
}
static int random_file(void) {
  int x = (int)rn(100);
  return x < 12 ? F_DATA : x < 17 ? F_SMALL : x < 30 ? F_BIG : x < 52 ? F_R0 : x < 74 ? F_R1 : x < 95 ? F_R2 : F_ZERO;
}

/* ---- the operations ---- */
static ulong random_len(long maxpages) {
  long n = 1 + rn(maxpages);
  ulong len = (ulong)n * P;
  if (pct(25)) len -= 1 + (ulong)rn(P - 1);
  return len;
}
static long random_prot(int writable) {
  long x = rn(10);
  if (!writable) return x < 6 ? 1 : x < 9 ? 5 : 0;
  return x < 7 ? 3 : 7;
}
static void op_anon(void) {
  long flags = pct(80) ? 0x22 : 0x21;                      /* MAP_SHARED anonymous is private on NOMMU */
  if (pct(10)) flags |= 0x4000000;
  if (pct(8)) flags |= 0x100;
  ulong hint = pct(10) ? 0x90000000UL + (ulong)rn(16) * P : 0;
  long prot = pct(10) ? 1 : pct(10) ? 0 : pct(15) ? 7 : 3;
  r_mmap(hint, random_len(9), prot, flags, -1, 0);
}
static void op_file(void) {
  for (int tries = 0; tries < 12; tries++) {
    int f = random_file();
    long type = pct(35) ? 1 : 2;
    int writable = type == 2 ? pct(35) : pct(60);
    long prot = random_prot(writable);
    /* often a range of a region alive: an exact or containing match, or one that meets it; a
     * child mostly aims at the parent's regions, the ones it may share */
    int cand[MAXR], n = 0;
    if (is_child && pct(60)) {
      for (int i = 0; i < MAXR; i++) if (S.r[i].used && S.r[i].pinned && !holds_region(i)) cand[n++] = i;
      if (n) f = S.r[cand[rn(n)]].file, n = 0;
    }
    long fp = f == F_ZERO ? 2 : file_pages(f), pg, np;
    for (int i = 0; i < MAXR; i++) if (S.r[i].used && S.r[i].file == f) cand[n++] = i;
    if (n && pct(is_child ? 75 : 55)) {
      struct reg *r = &S.r[cand[rn(n)]];
      if (pct(40)) { pg = r->pgoff; np = r->npages; }
      else if (pct(75)) { pg = r->pgoff + rn(r->npages); np = 1 + rn(r->pgoff + r->npages - pg); }
      else { pg = r->pgoff + rn(r->npages + 1) - 1; if (pg < 0) pg = 0; np = 1 + rn(5); }
    } else {
      pg = rn(fp + 2);
      np = 1 + rn(pct(70) && fp > pg ? fp - pg : 9);
      if (np > 9) np = 9;
    }
    ulong len = (ulong)np * P;
    if (pct(20)) len -= 1 + (ulong)rn(P - 1);
    long fd = fd_for(f);
    if (is_err(fd) || stop) return;
    if (r_mmap(0, len, prot, type, fd, (ulong)pg * P) != -UNSAFE) return;
  }
}
static void op_munmap(void) {
  int v = pick_vma(-1);
  if (v < 0) { op_anon(); return; }
  restore(v);
  if (stop) return;
  ulong s = V[v].start, len = V[v].cur, n = len / P;
  long x = rn(100);
  if (V[v].file < 0 && n > 1 && x < 45) {
    ulong k = 1 + (ulong)rn((long)n - 1);
    ulong cut = pct(30) ? k * P - 1 - (ulong)rn(P - 1) : k * P;
    if (x < 22) r_munmap(s, cut);                           /* head */
    else r_munmap(s + (n - k) * P, cut);                    /* tail */
  } else {
    r_munmap(s, pct(25) ? len - (ulong)rn(P - 1) : len);  /* whole */
  }
}
static void op_mremap(void) {
  int v = pick_vma(-1);
  if (v < 0) { op_anon(); return; }
  ulong s = V[v].start, cur = V[v].cur, idx = V[v].idx;
  long x = rn(100);
  long fl = pct(20) ? 1 : 0;
  if (x < 35 && cur > P) r_mremap(s, cur - (pct(20) ? (ulong)rn(P - 1) : 0), (ulong)(1 + rn((long)(cur / P) - 1)) * P, fl, 0); /* shrink */
  else if (x < 60 && cur < idx) r_mremap(s, cur, cur + (ulong)(1 + rn((long)((idx - cur) / P))) * P, fl, 0);          /* grow within */
  else if (x < 75) r_mremap(s, cur, cur + (ulong)(1 + rn(4)) * P, fl, 0);                                              /* grow past the region: ENOMEM */
  else if (x < 82) r_mremap(s, cur, cur, 2 | 1, pct(50) ? s : s + P);                                                  /* MREMAP_FIXED */
  else if (x < 88) r_mremap(s, cur + P, cur, 0, 0);                                                                     /* wrong old length */
  else if (x < 93) r_mremap(s + 8, P, P, 0, 0);                                                                         /* unaligned */
  else r_mremap(s, pct(50) ? 0 : cur, pct(50) ? cur : 0, 0, 0);                                                         /* zero length */
}
static void op_bad(void) {
  long x = rn(100);
  int v = pick_vma(-1);
  if (x < 8) r_mmap(0x90000000UL, P, 3, 0x22 | 0x10, -1, 0);             /* MAP_FIXED */
  else if (x < 14) r_mmap(0, P, 3, pct(50) ? 0x23 : 0x20, -1, 0);        /* MAP_SHARED_VALIDATE, no type */
  else if (x < 20) r_mmap(0, 0, 3, 0x22, -1, 0);                         /* len 0 */
  else if (x < 24) r_mmap(0, (ulong)-1 - (ulong)rn(100), 3, 0x22, -1, 0); /* PAGE_ALIGN wraps: ENOMEM */
  else if (x < 28) r_mmap(0, P, 3, 0x22, -1, (ulong)-4096);               /* pgoff wraps: EOVERFLOW */
  else if (x < 34) r_mmap(0, P, 1, 0x02, pct(50) ? 99 : -1, 0);          /* bad fd */
  else if (x < 38) r_mmap(0, P, 1, 0x02, 1, 0);                          /* the console: no ->mmap */
  else if (x < 44) { int f = random_file(); long fd = fd_for(f); if (!is_err(fd)) r_mmap(0, P, 1, 0x02, fd, 0x800 + (ulong)rn(P)); } /* unaligned offset */
  else if (x < 52) r_mmap(0, P, 3, 0x01, fd_for(pct(50) ? F_DATA : F_BIG), 0); /* MAP_SHARED of a disk file */
  else if (x < 58) r_mmap(0, 2 * P, 3, pct(50) ? 0x01 : 0x02, fd_for(F_ZERO), 0); /* /dev/zero */
  else if (x < 62) r_munmap(0x10000, P);                                 /* never mapped */
  else if (v < 0) r_munmap(0x10000 + (ulong)rn(P), 0);
  else if (x < 68) r_munmap(V[v].start, 0);                              /* len 0 */
  else if (x < 76 && V[v].cur > P) r_munmap(V[v].start + P, V[v].cur);   /* crosses the VMA's end */
  else if (x < 84) r_munmap(V[v].start + 64 + (ulong)rn(P - 128), P);    /* unaligned start */
  else if (x < 92 && V[v].cur > 2 * P) r_munmap(V[v].start + P, P);      /* a hole (anonymous: refused by the model), or inside a file VMA */
  else r_mremap(V[v].start, V[v].cur, V[v].cur, pct(50), 0);                 /* same size: 0, or EPERM */
}
static void op_unbuilt(void) {
  int v = pick_vma(-1);
  ulong a = v >= 0 ? V[v].start : 0x10000, l = v >= 0 ? V[v].cur : P;
  long x = rn(5), r;
  if (x == 0) r = t_mprotect(a, l, pct(50) ? 1 : 3);
  else if (x == 1) r = t_msync(a, l);
  else if (x == 2) r = t_mlock(a, l);
  else if (x == 3) r = t_munlock(a, l);
  else r = t_madvise(a, l, 4);
  counted();
  if (r != -ENOSYS_) model_says("unbuilt syscall", -ENOSYS_, r);
}
static void op_brk(void) {
  long b = t_brk(0); counted();
  long x = rn(4);
  ulong to = x == 0 ? (ulong)b + (ulong)(1 + rn(4)) * P : x == 1 ? (ulong)b - (ulong)(1 + rn(4)) * P : x == 2 ? (ulong)b : (ulong)b + 8;
  long got = t_brk(to); counted();
  if (got != b) model_says("brk", b, got);                 /* ELF-FDPIC leaves a zero-size heap: the break stays */
}
static void op_files(void) {
  long x = rn(100);
  if (x < 40) {                                            /* close an fd nothing needs */
    int c[MAXFD], n = 0;
    for (int i = 0; i < MAXFD; i++) if (S.d[i].used && S.d[i].file != F_CONSOLE) c[n++] = i;
    if (n > 2) { int i = c[rn(n)]; long r = t_close(S.d[i].fd); counted(); if (r) model_says("close", 0, r); S.d[i].used = 0; return; }
    long r = t_close(40 + rn(10)); counted();              /* not open: EBADF */
    if (r != -EBADF_) model_says("close", -EBADF_, r);
  } else if (x < 85) {
    int f = random_file();
    r_open(f, f == F_ZERO || is_ramfs(f) ? (pct(70) ? 2 : pct(50) ? 0 : 1) : 0);
  } else {
    long r = t_open(pct(50) ? "/nonexistent.bin" : "/mnt/nonexistent.bin", 0); counted();
    if (r != -ENOENT_) model_says("open", -ENOENT_, r);
  }
}
/* a truncate of a ramfs file, as ramfs_nommu_resize() and nommu_shrink_inode_mappings() decide */
static void op_truncate(void) {
  int f = F_R0 + (int)rn(3);
  long fd = fd_for(f);
  if (is_err(fd) || stop) return;
  int slot = fd_slot(fd);
  long size = S.f[f].size, ns, x = rn(100), want;
  int sv = -1;
  for (int i = 0; i < MAXV; i++) if (V[i].used && V[i].file == f && V[i].vmshared && (sv < 0 || pct(50))) sv = i;
  if (size == 0 && x < 25) ns = 5L << 20;                   /* from 0: an order above MAX_PAGE_ORDER is EFBIG */
  else if (size == 0) ns = (long)random_len(8);
  else if (x < 25 && sv >= 0) ns = (V[sv].pgoff + rn((long)(V[sv].idx / P))) * (long)P + rn(P); /* under a shared mapping */
  else if (x < 50) ns = (long)(rnd() % (ulong)size);
  else if (x < 62) ns = 0;
  else if (x < 66) ns = size;
  else ns = size + (long)random_len(3);
  if (ns > (MAXFPAGES - 4) * (long)P && ns != 5L << 20) ns = (MAXFPAGES - 4) * (long)P;
  if (pct(4)) ns = -1 - rn(P);                              /* negative: EINVAL */
  if (ns < 0) want = -EINVAL_;
  else if (S.d[slot].mode == 0) want = -EINVAL_;           /* not open for writing */
  else if (ns == size) want = 0;
  else if (size == 0) want = ((ulong)ns >> 32) || palign((ulong)ns) > (P << 10) ? -EFBIG_ : 0;
  else if (ns > size) want = 0;
  else {
    long low = ns / (long)P, high = (long)(palign((ulong)size) / P);
    want = 0;
    for (int i = 0; i < MAXV; i++) {
      struct vma *v = &V[i];
      if (!v->used || v->file != f) continue;
      long first = v->pgoff, last = v->pgoff + (long)(v->idx / P) - 1;
      if (last < low || first > high) continue;
      if (v->vmshared) want = -ETXTBSY_;
    }
    if (want == 0)
      for (int i = 0; i < MAXR; i++)
        if (S.r[i].used && S.r[i].file == f && S.r[i].direct && S.r[i].pgoff + S.r[i].npages > low) return; /* 6.12 would free an overlay's pages */
  }
  long got = t_ftruncate(fd, (ulong)ns);
  counted();
  if (got != want) { model_says("ftruncate", want, got); return; }
  if (got) return;
  if (size == 0 && ns > 0) { S.f[f].present = (long)(palign((ulong)ns) / P); S.f[f].base = 0; S.f[f].rd = 0; S.f[f].ra_end = 0; }
  else if (ns < size) {                                    /* truncate_pagecache(): the pages past the new EOF go */
    long keep = (long)(palign((ulong)ns) / P);
    if (S.f[f].present > keep) S.f[f].present = keep;
    if (S.f[f].ra_end > keep) S.f[f].ra_end = keep;
    S.f[f].rd &= (1UL << keep) - 1;
    if (!keep) S.f[f].base = 0;
  }
  S.f[f].size = ns;
}
static void op_trim(void) {
  long n = rn(4);
  t_trim(n); counted();
}

/* ---- processes ---- */
static ulong hex(const char **pp) { ulong v = 0; const char *p = *pp; for (;; p++) { char c = *p; if (c >= '0' && c <= '9') v = v * 16 + (ulong)(c - '0'); else if (c >= 'a' && c <= 'f') v = v * 16 + (ulong)(c - 'a' + 10); else break; } *pp = p; return v; }
/* the image and stack the loader left, from /proc/self/maps: VMAs the program never touches */
static void load_fixed(void) {
  static char b[4096]; long fd = sys(NR_openat, -100, (long)"/proc/self/maps", 0, 0, 0, 0), n, tot = 0;
  if (fd < 0) return;
  while ((n = sys(NR_read, fd, (long)b + tot, (long)sizeof b - 1 - tot, 0, 0, 0)) > 0) tot += n;
  sys(NR_close, fd, 0, 0, 0, 0, 0);
  b[tot] = 0;
  for (const char *p = b; *p;) {
    ulong s = hex(&p); if (*p == '-') p++; ulong e = hex(&p);
    int v = new_vma(); V[v].fixed = 1; V[v].start = s; V[v].cur = V[v].idx = e - s;
    while (*p && *p != '\n') p++;
    if (*p) p++;
  }
}
static void save_state(void) {
  long fd = sys(NR_openat, -100, (long)"/rstate", 1 | 0x40 | 0x200, 0600, 0, 0);
  sys(NR_write, fd, (long)&S, sizeof S, 0, 0, 0);
  sys(NR_close, fd, 0, 0, 0, 0, 0);
}
static int load_state(void) {
  long fd = sys(NR_openat, -100, (long)"/rstate", 0, 0, 0, 0), n, tot = 0;
  if (fd < 0) return -1;
  while ((n = sys(NR_read, fd, (long)&S + tot, (long)sizeof S - tot, 0, 0, 0)) > 0) tot += n;
  sys(NR_close, fd, 0, 0, 0, 0, 0);
  return tot == (long)sizeof S ? 0 : -1;
}
static void op_spawn(const char *self) {
  if (S.nchild >= MAXCHILD) return;
  S.nchild++;
  save_state();
  char role[4] = { 'c', (char)('0' + S.nchild), 0, 0 };
  t_spawn(self, role);
  counted();
  /* what the child's reads put in the page caches is the parent's world too */
  static struct state T;
  long fd = sys(NR_openat, -100, (long)"/rstate", 0, 0, 0, 0), n, tot = 0;
  if (fd >= 0) { while ((n = sys(NR_read, fd, (long)&T + tot, (long)sizeof T - tot, 0, 0, 0)) > 0) tot += n; sys(NR_close, fd, 0, 0, 0, 0, 0); }
  if (tot != (long)sizeof T) { model_says("the child's /rstate", (long)sizeof T, tot); return; }
  for (int f = 0; f < NFILE; f++) { S.f[f].rd = T.f[f].rd; S.f[f].ra_end = T.f[f].ra_end; S.f[f].base = T.f[f].base; }
}

static void step(const char *self) {
  long x = rn(100);
  int many = nvmas() >= 22;
  if (many && x < 40) { op_munmap(); return; }
  if (is_child) {
    if (x < 40) op_file();
    else if (x < 55) op_anon();
    else if (x < 72) op_munmap();
    else if (x < 82) op_mremap();
    else if (x < 92) op_bad();
    else if (x < 94) op_brk();
    else if (x < 96) op_unbuilt();
    else op_files();
    return;
  }
  if (x < 17) op_anon();
  else if (x < 41) op_file();
  else if (x < 56) op_munmap();
  else if (x < 65) op_mremap();
  else if (x < 74) op_bad();
  else if (x < 77) op_brk();
  else if (x < 80) op_unbuilt();
  else if (x < 84) op_files();
  else if (x < 89) op_truncate();
  else if (x < 91) op_trim();
  else if (x < 95) op_spawn(self);
  else op_file();
}

static void child(const char *role) {
  is_child = 1;
  if (load_state() < 0) { out("## model: no /rstate\n"); out_flush(); return; }
  for (int i = 0; i < MAXR; i++) if (S.r[i].used) { S.r[i].pinned = S.r[i].usage; }
  rs = (ulong)SEED * 0x9E3779B97F4A7C15UL + (ulong)(role[1] - '0') * 0xBF58476D1CE4E5B9UL;
  for (int i = 0; i < 8; i++) rnd();
  load_fixed();
  snap("child-start");
  since_snap = 0;
  long budget = CHILD_CALLS / 2 + rn(CHILD_CALLS);
  while (ncalls < budget && !stop) { step(""); maybe_snap(); }
  snap("child-end");
  stats();
  save_state();
  t_exit();
}

int main(int argc, char **argv) {
  o_start();
  if (argc > 1) { child(argv[1]); return 0; }
  rs = (ulong)SEED * 0x9E3779B97F4A7C15UL + 0x1234567UL;
  for (int i = 0; i < 8; i++) rnd();
  load_fixed();
  snap("start");
  S.f[F_DATA].size = file_size("/mnt/data.bin");
  S.f[F_SMALL].size = file_size("/mnt/small.bin");
  S.f[F_BIG].size = file_size("/mnt/big.bin");
  S.f[F_ZERO].size = 0;
  for (int i = 0; i < 3; i++) S.d[i].used = 1, S.d[i].fd = i, S.d[i].file = F_CONSOLE, S.d[i].mode = 2;
  /* the ramfs files, each one contiguous run from a truncate of an empty file */
  for (int f = F_R0; f <= F_R2; f++) {
    long fd = r_open(f, 2 | 0x40);
    long ns = (long)random_len(7) + (long)P;
    if (t_ftruncate(fd, (ulong)ns) == 0) { S.f[f].size = ns; S.f[f].present = (long)(palign((ulong)ns) / P); }
    counted();
  }
  fd_for(F_DATA); fd_for(F_BIG);
  while (ncalls < NCALLS && !stop) { step(argv[0]); maybe_snap(); }
  /* every child the seed didn't start yet gets its turn, then everything goes */
  while (S.nchild < 2 && !stop) { op_spawn(argv[0]); maybe_snap(); }
  snap("before-teardown");
  for (int v = pick_vma(-1); v >= 0 && !stop; v = pick_vma(-1)) {
    restore(v);
    if (!stop && r_munmap(V[v].start, V[v].cur) == -UNSAFE) model_says("teardown munmap", 0, -UNSAFE);
  }
  for (int i = 3; i < MAXFD; i++) if (S.d[i].used) { t_close(S.d[i].fd); S.d[i].used = 0; }
  snap("end");
  stats();
  return 0;
}
