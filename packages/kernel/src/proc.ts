/**
 * The /proc files of a kernel: per-process maps and smaps from the backend, and the global files
 * (meminfo, buddyinfo, NOMMU's /proc/maps, /proc/sysvipc/shm). Linux: fs/proc/.
 */
import { ENOENT } from "@mmsim/mm-types";
import { formatBuddyinfo } from "@mmsim/buddy-allocator";
import { formatMeminfo } from "@mmsim/procfs";
import type { Kernel } from "./kernel.js";

/** Extra /proc files a subsystem provides ("/proc/sysvipc/shm"). */
export type ProcProvider = () => string;

/** The meminfo values a kernel knows, in pages, by label. */
export function meminfoPages(kernel: Kernel): Record<string, number> {
  const backend = kernel.backend.meminfoPages();
  const free = kernel.pages.freePagesCount();
  const cached = kernel.vfs.cachedPages() + (backend["Shmem"] ?? 0);
  return {
    ...backend,
    MemTotal: kernel.pages.nrPages,
    MemFree: free,
    MemAvailable: free + kernel.vfs.cachedPages(),
    Cached: cached,
  };
}

/**
 * Reads a /proc path: the text, or -ENOENT. `providers` adds subsystem files by path.
 */
export function procRead(kernel: Kernel, path: string, providers: ReadonlyMap<string, ProcProvider> = new Map()): string | number {
  const provided = providers.get(path);
  if (provided !== undefined) return provided();
  if (path === "/proc/meminfo") {
    const pages = meminfoPages(kernel);
    return formatMeminfo(pages, { mmapCopy: "MmapCopy" in pages });
  }
  if (path === "/proc/buddyinfo") return formatBuddyinfo(kernel.pages.zoneViews());
  if (path === "/proc/maps") return kernel.backend.showGlobalMaps() ?? -ENOENT;
  const m = /^\/proc\/(\d+|self)\/(maps|smaps)$/.exec(path);
  if (m === null) return -ENOENT;
  const task = m[1] === "self" ? kernel.current : kernel.task(Number(m[1]));
  if (task === null || !task.alive) return -ENOENT;
  if (m[2] === "maps") return kernel.backend.showMaps(task.mm.mmId);
  return kernel.backend.showSmaps(task.mm.mmId) ?? -ENOENT;
}
