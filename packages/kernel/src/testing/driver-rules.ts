/**
 * What Linux answers for the syscalls the kit makes, from the node's declarations: the open, read,
 * write and truncate results, and the checks mmap makes before the driver's hook runs — in
 * do_mmap()'s order on MMU and validate_mmap_request()'s on NOMMU.
 * Linux: do_mmap() in mm/mmap.c, validate_mmap_request() in mm/nommu.c, may_open() and
 * sb_permission() in fs/namei.c, do_sys_ftruncate() in fs/open.c.
 */
import {
  EACCES,
  EBADF,
  EINVAL,
  ENODEV,
  ENOSPC,
  EPERM,
  MAP_SHARED,
  NOMMU_MAP_COPY,
  NOMMU_MAP_DIRECT,
  NOMMU_MAP_EXEC,
  NOMMU_MAP_READ,
  NOMMU_MAP_WRITE,
  O_ACCMODE,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
} from "@mmsim/mm-types";
import type { DriverBackend, DriverMmapRequest, DriverNode } from "./driver-subject.js";

/** The access modes the kit opens with: read, write, both, and 3 (neither, but checked as both). */
export const ACCESS_MODES = [O_RDONLY, O_WRONLY, O_RDWR, O_ACCMODE] as const;

/** FMODE_READ of an access mode. */
export function modeReads(accMode: number): boolean {
  return accMode === O_RDONLY || accMode === O_RDWR;
}

/** FMODE_WRITE of an access mode. */
export function modeWrites(accMode: number): boolean {
  return accMode === O_WRONLY || accMode === O_RDWR;
}

/** The result open(2) must give in an access mode: 0 (an fd) or -errno. Mode 3 asks MAY_READ|MAY_WRITE. */
export function expectedOpen(node: DriverNode, accMode: number): number {
  return accMode !== O_RDONLY && node.writeOpenErrno !== undefined ? -node.writeOpenErrno : 0;
}

/** Whether the node opens in this access mode. */
export function opensIn(node: DriverNode, accMode: number): boolean {
  return expectedOpen(node, accMode) === 0;
}

/** The node's size as the kit's model starts it. */
export function initialSize(node: DriverNode): number {
  return node.data === "file" || node.data === "device" ? (node.contents?.length ?? 0) : 0;
}

/**
 * The bytes a read of `len` at `offset` returns, given the current content (for "file"/"device"),
 * or -errno. Linux: f_op->read_iter's contract (short at EOF, 0 at and past it).
 */
export function expectedRead(node: DriverNode, content: Uint8Array, offset: number, len: number): Uint8Array | number {
  const data = node.data;
  if (typeof data === "object") return -data.readErrno;
  if (data === "zeros") return new Uint8Array(len);
  if (data === "empty") return new Uint8Array(0);
  const n = Math.max(0, Math.min(len, content.length - offset));
  return content.slice(offset, offset + n);
}

/**
 * What a write of `src` at `offset` returns and the content after it, for an fd open for writing.
 * Linux: generic_perform_write() for "file", the fixed-size devices' write (fb_write, mtdchar_write).
 */
export function expectedWrite(node: DriverNode, content: Uint8Array, offset: number, src: Uint8Array): { ret: number; content: Uint8Array } {
  const data = node.data;
  if (data !== "file" && data !== "device") return { ret: src.length, content };
  if (src.length === 0) return { ret: 0, content };
  if (data === "file") {
    const out = new Uint8Array(Math.max(content.length, offset + src.length));
    out.set(content);
    out.set(src, offset);
    return { ret: src.length, content: out };
  }
  if (offset === content.length) return { ret: -(node.writeAtEnd ?? ENOSPC), content };
  if (offset > content.length) return { ret: -(node.writePastEnd ?? ENOSPC), content };
  const n = Math.min(src.length, content.length - offset);
  const out = content.slice();
  out.set(src.subarray(0, n), offset);
  return { ret: n, content: out };
}

/** What ftruncate(2) on a writable fd does: "resize", or the -errno. */
export function expectedTruncate(node: DriverNode): "resize" | number {
  const t = node.truncate ?? (node.data === "file" ? "resize" : EINVAL);
  return t === "resize" ? t : -t;
}

/** The result of ftruncate(2) on an fd opened in `accMode`, before the driver: EINVAL unless writable. */
export function ftruncateOpenCheck(accMode: number): number {
  return modeWrites(accMode) ? 0 : -EINVAL;
}

/** read(2) on an fd that isn't open for reading, write(2) on one not open for writing. */
export const NOT_OPEN_FOR_IT = -EBADF;

function protExceedsCaps(prot: number, caps: number): boolean {
  return (
    (prot & PROT_READ && !(caps & NOMMU_MAP_READ)) ||
    (prot & PROT_WRITE && !(caps & NOMMU_MAP_WRITE)) ||
    (prot & PROT_EXEC && !(caps & NOMMU_MAP_EXEC))
  ) as boolean;
}

/** The file checks of do_mmap() before f_op->mmap runs, in its order. Linux: do_mmap() (6.1). */
function mmuMmapChecks(node: DriverNode, req: DriverMmapRequest, noexec: boolean, appendOnly: boolean): number {
  const reads = modeReads(req.accMode);
  const writes = modeWrites(req.accMode);
  if (req.flags & MAP_SHARED) {
    if (req.prot & PROT_WRITE && !writes) return -EACCES;
    if (appendOnly && writes) return -EACCES;
  }
  if (!reads) return -EACCES;
  if (noexec && req.prot & PROT_EXEC) return -EPERM;
  if (node.mmap === undefined) return -ENODEV;
  return 0;
}

/** validate_mmap_request()'s file checks, in its order, over the declared capabilities. Linux: mm/nommu.c. */
function nommuMmapChecks(node: DriverNode, req: DriverMmapRequest, noexec: boolean, appendOnly: boolean): number {
  if (node.mmap === undefined) return -ENODEV;
  let caps = node.mmap.nommuCapabilities ?? 0;
  const writes = modeWrites(req.accMode);
  if (!modeReads(req.accMode)) return -EACCES;
  const { prot } = req;
  if (req.flags & MAP_SHARED) {
    if (prot & PROT_WRITE && !writes) return -EACCES;
    if (appendOnly && writes) return -EACCES;
    if (!(caps & NOMMU_MAP_DIRECT)) return -ENODEV;
    caps &= ~NOMMU_MAP_COPY;
  } else {
    if (!(caps & NOMMU_MAP_COPY)) return -ENODEV;
    if (prot & PROT_WRITE) caps &= ~NOMMU_MAP_DIRECT;
  }
  if (caps & NOMMU_MAP_DIRECT && protExceedsCaps(prot, caps) && req.flags & MAP_SHARED) return -EINVAL;
  if (noexec && prot & PROT_EXEC) return -EPERM;
  return 0;
}

/**
 * The result Linux gives for an mmap of the node (0: it maps), from the generic checks and the
 * node's declarations; the subject's `expect` may override it for its driver's own hook.
 */
export function expectedMmap(node: DriverNode, req: DriverMmapRequest, inode: { noexec: boolean; appendOnly: boolean }): number {
  const check = req.backend === "mmu" ? mmuMmapChecks : nommuMmapChecks;
  const generic = check(node, req, inode.noexec, inode.appendOnly);
  if (generic < 0) return generic;
  return node.mmap?.expect?.(req) ?? 0;
}

/**
 * The -errno with which NOMMU may refuse a mapping the rules allow, because the driver's
 * get_unmapped_area declined a request that could go direct (shared, or private and read-only), or
 * 0 when no such refusal is expected.
 */
export function mayDecline(node: DriverNode, backend: DriverBackend, flags: number, prot: number): number {
  const errno = node.mmap?.mayDeclineDirect;
  if (backend !== "nommu" || errno === undefined) return 0;
  return flags & MAP_SHARED || !(prot & PROT_WRITE) ? -errno : 0;
}
