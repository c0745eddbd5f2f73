/** /proc/sysvipc/shm. Linux: shm_init()'s header and sysvipc_shm_proc_show() (64-bit SIZE_SPEC). */
import { PAGE_SIZE } from "@mmsim/mm-types";
import type { ShmNamespace } from "./shm-namespace.js";
import type { ShmidKernel } from "./shmid-kernel.js";

/** The header line of a 64-bit kernel, exactly. */
export const SYSVIPC_SHM_HEADER =
  "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n";

function pad(x: number | string, width: number): string {
  return String(x).padStart(width, " ");
}

/**
 * One row: "%10d %10d  %4o %21lu %5u %5u  %5lu %5u %5u %5u %5u %10llu %10llu %10llu %21lu %21lu\n"
 * (key, id, mode, size, cpid, lpid, nattch, uid, gid, cuid, cgid, atime, dtime, ctime, rss and
 * swap in bytes). Linux: sysvipc_shm_proc_show().
 */
export function sysvipcShmRow(shp: ShmidKernel, rssPages: number): string {
  return (
    `${pad(shp.key, 10)} ${pad(shp.id, 10)}  ${pad(shp.mode.toString(8), 4)} ${pad(shp.shmSegsz, 21)} ` +
    `${pad(shp.shmCprid, 5)} ${pad(shp.shmLprid, 5)}  ${pad(shp.shmNattch, 5)} ` +
    `${pad(shp.uid, 5)} ${pad(shp.gid, 5)} ${pad(shp.cuid, 5)} ${pad(shp.cgid, 5)} ` +
    `${pad(shp.shmAtim, 10)} ${pad(shp.shmDtim, 10)} ${pad(shp.shmCtim, 10)} ${pad(rssPages * PAGE_SIZE, 21)} ${pad(0, 21)}\n`
  );
}

/** The whole file: header, then the segments in index order. Linux: sysvipc_proc_show() over the idr. */
export function sysvipcShmProc(ns: ShmNamespace): string {
  let s = SYSVIPC_SHM_HEADER;
  for (const shp of ns.ids) s += sysvipcShmRow(shp, shp.shmFile!.nrpages());
  return s;
}
