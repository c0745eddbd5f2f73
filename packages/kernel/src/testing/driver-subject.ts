/**
 * What a driver author tells the conformance kit: how to make a node with the driver in a fresh
 * kernel, and what the node promises (its data semantics, which opens it refuses, what truncate
 * does, its NOMMU mapping capabilities). The kit checks the promises, and Linux's own rules for
 * everything the driver leaves to the VFS and the mm.
 * Linux: the contracts of file_operations (read_iter, write_iter, mmap, mmap_capabilities, release).
 */
import type { Kernel } from "../kernel.js";
import type { InodeDriver } from "../vfs/inode.js";

/** An mm backend the kit runs on. */
export type DriverBackend = "mmu" | "nommu";

/** Kernel factories, one per backend to run on; each call must return a fresh kernel. */
export interface DriverKernels {
  readonly mmu?: () => Kernel;
  readonly nommu?: () => Kernel;
}

/**
 * How read(2) and write(2) behave on the node:
 * - "file": a regular file: reads stop at i_size, writes store and extend it (holes read as zero);
 * - "device": a fixed-size store (`contents.length` bytes): reads stop at its end, writes store
 *   within it and are cut short at the end, a write starting at or past the end fails (`writeAtEnd`,
 *   `writePastEnd`);
 * - "zeros": reads fill the whole buffer with zeros, writes are swallowed (/dev/zero);
 * - "empty": reads return 0 at once, writes are swallowed (/dev/null);
 * - `{ readErrno }`: read(2) fails with this errno whatever the offset (a directory: EISDIR).
 */
export type DriverData = "file" | "device" | "zeros" | "empty" | { readonly readErrno: number };

/** How mmap(2) of the node behaves. */
export interface DriverMmapSpec {
  /**
   * The NOMMU_MAP_* bits the driver's mmapCapabilities returns (or Linux's default for the inode
   * type when it declares none). Required to run on NOMMU. Declare NOMMU_MAP_DIRECT only when the
   * driver also has getUnmappedArea.
   */
  readonly nommuCapabilities?: number;
  /** A write through a MAP_SHARED mapping is what read(2) then returns (false: /dev/zero's shmem). */
  readonly sharedWritesVisible: boolean;
  /**
   * On NOMMU a request that could go direct (shared, or private read-only) may be refused with this
   * errno in states the random sequences reach: ENODEV when getUnmappedArea says -ENOSYS to a
   * shared request (ramfs pages that are not contiguous), or getUnmappedArea's own errno (romfs:
   * EINVAL past EOF). The unit cases expect the fresh node to map.
   */
  readonly mayDeclineDirect?: number;
  /**
   * Escape hatch: the errno (or 0 for success) this backend gives for a request where the driver's
   * own mmap hook decides differently from the generic rules; undefined to keep the rules' answer.
   */
  readonly expect?: (req: DriverMmapRequest) => number | undefined;
}

/** One mmap the kit makes, as `DriverMmapSpec.expect` sees it. */
export interface DriverMmapRequest {
  readonly backend: DriverBackend;
  /** O_RDONLY, O_WRONLY or O_RDWR. */
  readonly accMode: number;
  readonly prot: number;
  /** MAP_PRIVATE or MAP_SHARED. */
  readonly flags: number;
  readonly pgoff: number;
  readonly len: number;
}

/** What the kit needs to know of a node a subject made. */
export interface DriverNode {
  /** Absolute path of the node. */
  readonly path: string;
  readonly data: DriverData;
  /**
   * The bytes read(2) returns from offset 0 of the fresh node ("file" and "device": its whole
   * content; the size is its length). Not used for the other data kinds.
   */
  readonly contents?: Uint8Array;
  /**
   * The errno of an open for writing (O_WRONLY, O_RDWR, and access mode 3, which asks for both):
   * EROFS on a read-only filesystem, EISDIR for a directory. Absent: every access mode opens.
   */
  readonly writeOpenErrno?: number;
  /** "device": errno of a write that starts exactly at the end. Default ENOSPC. */
  readonly writeAtEnd?: number;
  /** "device": errno of a write that starts past the end. Default ENOSPC. */
  readonly writePastEnd?: number;
  /**
   * ftruncate(2) on a writable fd: "resize" or the errno (the syscall layer's EINVAL for anything
   * but a regular file). Default: "resize" for "file", -EINVAL otherwise.
   */
  readonly truncate?: "resize" | number;
  /**
   * The errno of a shrink while a MAP_SHARED mapping covers a page at or past the new end's page
   * (NOMMU ramfs: ETXTBSY, nommu_shrink_inode_mappings()); absent: such a shrink succeeds.
   */
  readonly shrinkWhileMapped?: number;
  /** Absent: the driver has no mmap (every mapping is refused, ENODEV or the access check first). */
  readonly mmap?: DriverMmapSpec;
  /**
   * The mapping is anonymous memory handed to the mm (/dev/zero: a private mapping is anonymous
   * memory, a shared one shmem), so it reads as zeros whatever read(2) says.
   */
  readonly anonymous?: boolean;
}

/** What a subject's `create` is given besides the kernel. */
export interface DriverProbe {
  /** The backend the kernel was made for. */
  readonly backend: DriverBackend;
  /**
   * Wraps a driver so that the kit sees its open and release hooks run (it checks release runs
   * exactly once per open file). Pass the driver you mknod through it; optional but recommended.
   */
  track<D extends InodeDriver>(driver: D): D;
}

/** The driver under test. */
export interface DriverSubject {
  /** Makes the node(s) in a fresh kernel (no process exists yet); returns the node or -errno. */
  create(kernel: Kernel, probe: DriverProbe): DriverNode | number;
  /** The backends to run on, as kernel factories. */
  readonly kernels: DriverKernels;
}

/** Options of the kit. */
export interface InodeDriverConformanceOptions {
  /** fast-check runs of the random sequence (drivers with "file" data). Default 40. */
  readonly numRuns?: number;
  /** Steps per random sequence, at most. Default 30. */
  readonly maxSteps?: number;
  /**
   * Cases known to fail for a reason outside the driver under test, matched against
   * "<backend>: <case title>" (a string: a substring; a RegExp: a match): they run as `it.fails`,
   * so they turn red the day the cause is fixed. Say why next to the list.
   */
  readonly knownFailures?: readonly (string | RegExp)[];
}
