/**
 * /proc/<pid>/smaps printing: the arithmetic of smaps_page_accumulate(), the VmFlags mnemonics, and
 * every block of this test process's own /proc/self/smaps printed again from its parsed values,
 * byte for byte (skipped, saying why, off Linux).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  PAGE_SIZE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  VM_ACCOUNT,
  VM_DONTEXPAND,
  VM_EXEC,
  VM_GROWSDOWN,
  VM_LOCKED,
  VM_LOCKONFAULT,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYSHARE,
  VM_MAYWRITE,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
} from "@mmsim/mm-types";
import type { VmaView } from "@mmsim/mm-types";
import { PSS_SHIFT, newMemSizeStats, parseProcMaps, showSmap, smapsPageAccumulate, smapsVmFlags } from "../src/index.js";
import type { MemSizeStats } from "../src/index.js";

const MNEMONIC_BITS: Readonly<Record<string, number>> = Object.fromEntries(
  ["rd", "wr", "ex", "sh", "mr", "mw", "me", "ms", "gd", "um", "pf", "", "uw", "lo", "io", "sr", "rr", "dc", "de", "lf", "ac", "nr", "ht", "sf", "ar", "wf", "dd", "sd", "mm", "hg", "nh", "mg"]
    .map((m, bit) => [m, 2 ** bit] as const)
    .filter(([m]) => m !== ""),
);

describe("smaps arithmetic", () => {
  it("a page mapped once is private with its whole size in Pss; shared pages split Pss", () => {
    const mss = newMemSizeStats();
    const full = PAGE_SIZE * 2 ** PSS_SHIFT;
    smapsPageAccumulate(mss, full, true, false, true);
    smapsPageAccumulate(mss, Math.floor(full / 3), false, true, false);
    smapsPageAccumulate(mss, Math.floor(full / 2), true, false, false);
    expect(mss.privateDirty).toBe(PAGE_SIZE);
    expect(mss.sharedClean).toBe(PAGE_SIZE);
    expect(mss.sharedDirty).toBe(PAGE_SIZE);
    expect(mss.privateClean).toBe(0);
    expect(mss.pss).toBe(full + Math.floor(full / 3) + Math.floor(full / 2));
    expect(mss.pssDirty).toBe(full + Math.floor(full / 2));
    expect(mss.pssLocked).toBe(Math.floor(full / 3));
  });

  it.each([
    [VM_READ | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC, "VmFlags: rd mr mw me \n"],
    [VM_READ | VM_WRITE | VM_SHARED | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_MAYSHARE, "VmFlags: rd wr sh mr mw me ms \n"],
    [VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_GROWSDOWN | VM_ACCOUNT, "VmFlags: rd wr mr mw me gd ac \n"],
    [VM_READ | VM_LOCKED | VM_LOCKONFAULT | VM_DONTEXPAND, "VmFlags: rd lo de lf \n"],
    [0, "VmFlags: \n"],
  ])("VmFlags of %i in bit order", (flags, line) => {
    expect(smapsVmFlags(flags)).toBe(line);
  });

  it("prints the block of a VMA as 6.x does, Private_Hugetlb one column narrower", () => {
    const vma: VmaView = { vmStart: 0x1000, vmEnd: 0x5000, vmFlags: VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT, vmPgoff: 1, file: null, name: null };
    const mss: MemSizeStats = { ...newMemSizeStats(), resident: 8192, pss: 8192 * 2 ** PSS_SHIFT, privateDirty: 8192, anonymous: 8192, referenced: 4096 };
    const text = showSmap(vma, { startBrk: 0, brk: 0, startStack: 0 }, mss, { protectionKey: false });
    expect(text.split("\n").slice(0, 5)).toEqual([
      "00001000-00005000 rw-p 00000000 00:00 0 ",
      "Size:                 16 kB",
      "KernelPageSize:        4 kB",
      "MMUPageSize:           4 kB",
      "Rss:                   8 kB",
    ]);
    expect(text).toContain("\nPrivate_Hugetlb:       0 kB\n");
    expect(text).toContain("\nReferenced:            4 kB\n");
    expect(text).toContain("\nTHPeligible:           0\nVmFlags: rd wr mr mw me ac \n");
    expect(text).not.toContain("ProtectionKey");
  });
});

const onLinux = (() => {
  if (process.platform !== "linux") return false;
  try {
    readFileSync("/proc/self/smaps");
    return true;
  } catch {
    return false;
  }
})();

/** The fields of a host smaps block as mem_size_stats (kB → bytes, Pss fields back to fixed point). */
function statsOf(block: string): MemSizeStats {
  const kb = (label: string): number => Number(new RegExp(`^${label}:\\s+(\\d+) kB$`, "m").exec(block)![1]) * 1024;
  const fx = (label: string): number => kb(label) * 2 ** PSS_SHIFT;
  return {
    resident: kb("Rss"),
    pss: fx("Pss"),
    pssDirty: fx("Pss_Dirty"),
    sharedClean: kb("Shared_Clean"),
    sharedDirty: kb("Shared_Dirty"),
    privateClean: kb("Private_Clean"),
    privateDirty: kb("Private_Dirty"),
    referenced: kb("Referenced"),
    anonymous: kb("Anonymous"),
    ksm: kb("KSM"),
    lazyfree: kb("LazyFree"),
    anonymousThp: kb("AnonHugePages"),
    shmemThp: kb("ShmemPmdMapped"),
    fileThp: kb("FilePmdMapped"),
    sharedHugetlb: kb("Shared_Hugetlb"),
    privateHugetlb: kb("Private_Hugetlb"),
    swap: kb("Swap"),
    swapPss: fx("SwapPss"),
    pssLocked: fx("Locked"),
  };
}

describe.skipIf(!onLinux)("against the host kernel (/proc/self/smaps of this test process)", () => {
  it("prints every block exactly as Linux did", () => {
    const text = readFileSync("/proc/self/smaps", "utf8");
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const startStack = Number(fields[28 - 3]);
    const startBrk = Number(fields[47 - 3]);
    const blocks = text.split(/(?=^[0-9a-f]+-[0-9a-f]+ )/m);
    expect(blocks.length).toBeGreaterThan(5);
    let compared = 0;
    for (const block of blocks) {
      const first = block.slice(0, block.indexOf("\n") + 1);
      const e = parseProcMaps(first).entries[0]!;
      const heap = e.name === "[heap]";
      const mnemonics = /^VmFlags: (.*)$/m.exec(block)![1]!.trim().split(" ").filter((m) => m !== "");
      // flags above bit 31 (shadow stack, sealing) are not modelled: such blocks can't be rebuilt
      if (mnemonics.some((m) => MNEMONIC_BITS[m] === undefined)) continue;
      const special = e.name !== null && e.name.startsWith("[") ? e.name : null;
      const vma: VmaView = {
        vmStart: e.start,
        vmEnd: e.end,
        vmFlags:
          mnemonics.reduce((f, m) => f + MNEMONIC_BITS[m]!, 0) |
          (e.prot & PROT_READ ? VM_READ : 0) |
          (e.prot & PROT_WRITE ? VM_WRITE : 0) |
          (e.prot & PROT_EXEC ? VM_EXEC : 0),
        vmPgoff: e.offset / PAGE_SIZE,
        file: e.name !== null && special === null ? { path: e.name, devMajor: e.devMajor, devMinor: e.devMinor, ino: e.ino } : null,
        name: special,
      };
      const layout = { startBrk, brk: heap ? e.end : startBrk, startStack };
      const thp = Number(/^THPeligible:\s+(\d+)$/m.exec(block)![1]);
      const opts = { protectionKey: block.includes("\nProtectionKey:"), thpEligible: () => thp };
      expect(showSmap(vma, layout, statsOf(block), opts)).toBe(block);
      compared++;
    }
    expect(compared).toBeGreaterThan(5);
  });
});
