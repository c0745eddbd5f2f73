/** Access to an address space from outside it (ptrace, /proc/<pid>/mem). Linux: __access_remote_vm() in mm/memory.c. */
import { PAGE_SIZE, VM_GROWSDOWN } from "@mmsim/mm-types";
import { FOLL_FORCE, FOLL_WRITE, gupPage } from "./gup.js";
import type { PageCtx } from "./memory.js";
import { PG_ANON, PG_DIRTY } from "./rmap.js";
import { expandDownwards } from "./stack.js";
import type { MmStruct } from "./vma.js";

/**
 * Reads `buf` from `addr` of `mm` (or writes it there, `write`) page by page through
 * get_user_pages with FOLL_FORCE: a read-only private page is copied before it is written, PROT_NONE
 * memory that may be read is read, a stack grows to reach the address. Stops at the first page that
 * can't be had; returns the bytes moved. A written file page is marked dirty (set_page_dirty_lock()).
 */
export function accessRemoteVm(ctx: PageCtx, mm: MmStruct, addr: number, buf: Uint8Array, write: boolean): number {
  const gupFlags = FOLL_FORCE | (write ? FOLL_WRITE : 0);
  let done = 0;
  while (done < buf.length) {
    const a = addr + done;
    let vma = mm.tree.findVma(a);
    if (vma === undefined) break;
    if (vma.vmStart > a && !(vma.vmFlags & VM_GROWSDOWN && expandDownwards(mm, vma, a) === 0)) break;
    vma = mm.tree.findVma(a)!;
    const pfn = gupPage(ctx, mm, vma, a, gupFlags);
    if (pfn < 0) break;
    const off = a % PAGE_SIZE;
    const bytes = Math.min(buf.length - done, PAGE_SIZE - off);
    const piece = buf.subarray(done, done + bytes);
    if (write) {
      ctx.physMem.writeBytes(pfn * PAGE_SIZE + off, piece);
      if (!(ctx.meta.flags[pfn]! & PG_ANON)) ctx.meta.flags[pfn]! |= PG_DIRTY;
    } else ctx.physMem.readBytes(pfn * PAGE_SIZE + off, piece);
    done += bytes;
  }
  return done;
}
