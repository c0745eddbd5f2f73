/**
 * A process made from a /proc/<pid>/maps snapshot of a real one: every area recreated with its name,
 * device and inode, the files it names created in the VFS (zero-filled, large enough), so the real
 * program's later syscalls can be replayed on top of it.
 */
import { DEFAULT_MMAP_BASE, MAP_PRIVATE, MAP_SHARED, O_RDONLY, O_RDWR, PAGE_SIZE, S_IFREG, bug } from "@mmsim/mm-types";
import type { ExecArea, ExecLayout, MmapFile } from "@mmsim/mm-types";
import { parseProcMaps } from "@mmsim/procfs";
import type { MapsEntry, MapsParseError } from "@mmsim/procfs";
import type { Kernel } from "./kernel.js";
import { blockdevFileDriver } from "./vfs/drivers.js";

/** Options of a snapshot layout. */
export interface SnapshotOptions {
  /** mm->start_brk: default the start of [heap], else the end of the highest area below the mmap area. */
  readonly startBrk?: number;
  /** mm->mmap_base (default 0x7ffff7fff000). */
  readonly mmapBase?: number;
}

/** A layout from a maps text, or the lines that didn't parse. */
export type SnapshotResult = { readonly layout: ExecLayout; readonly errors: readonly MapsParseError[] };

function isFileEntry(e: MapsEntry): boolean {
  return e.name !== null && !e.name.startsWith("[") && e.ino !== 0;
}

/** The path a maps name stands for ("/dev/zero (deleted)" → itself: a deleted file keeps its name). */
function fileOf(kernel: Kernel, e: MapsEntry, opened: Map<string, MmapFile>): MmapFile {
  const key = `${e.name}\0${e.share}`;
  const known = opened.get(key);
  if (known !== undefined) return known;
  const need = e.offset + (e.end - e.start);
  let inode = kernel.vfs.lookup(e.name!);
  if (inode === null) {
    const made = kernel.vfs.mknod(e.name!, {
      mode: S_IFREG | 0o755,
      driver: blockdevFileDriver,
      size: need,
      devMajor: e.devMajor,
      devMinor: e.devMinor,
      ino: e.ino,
    });
    if (typeof made === "number") bug(`snapshot line ${e.line}: cannot create ${e.name}`);
    inode = made;
  } else if (inode.size < need) inode.size = need;
  const file = kernel.vfs.open(inode.path, e.share === "p" ? O_RDONLY : O_RDWR, 0);
  if (typeof file === "number") bug(`snapshot line ${e.line}: cannot open ${e.name} (${file})`);
  const mf = file.asMmapFile();
  opened.set(key, mf);
  return mf;
}

/**
 * Builds the exec layout a maps text describes. Areas that don't parse are reported with their line
 * numbers and left out.
 */
export function layoutFromMaps(kernel: Kernel, text: string, opts: SnapshotOptions = {}): SnapshotResult {
  const { entries, errors } = parseProcMaps(text);
  const opened = new Map<string, MmapFile>();
  const areas: ExecArea[] = entries.map((e) => {
    const file = isFileEntry(e) ? fileOf(kernel, e, opened) : null;
    return {
      start: e.start,
      end: e.end,
      prot: e.prot,
      flags: e.share === "p" ? MAP_PRIVATE : MAP_SHARED,
      pgoff: e.offset / PAGE_SIZE,
      file,
      name: file === null ? e.name : null,
    };
  });
  const heap = entries.find((e) => e.name === "[heap]");
  const startBrk = opts.startBrk ?? heap?.start ?? 0;
  const layout: ExecLayout = {
    areas,
    startBrk,
    ...(heap !== undefined ? { brk: heap.end } : {}),
    mmapBase: opts.mmapBase ?? DEFAULT_MMAP_BASE,
  };
  return { layout, errors };
}
