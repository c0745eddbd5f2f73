/**
 * Differential tests against the host kernel: what Linux printed in /proc, parsed and printed
 * again by mmsim, must come out byte for byte the same. Skipped, saying why, off Linux.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { VM_EXEC, VM_MAYSHARE, VM_READ, VM_SHARED, VM_WRITE, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE } from "@mmsim/mm-types";
import type { VmaView } from "@mmsim/mm-types";
import { meminfoLine, parseProcMaps, showMapVmaMmu, taskMemMmu } from "../src/index.js";

const onLinux = process.platform === "linux" && (() => {
  try {
    readFileSync("/proc/self/maps");
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!onLinux)("against the host kernel (/proc of this test process)", () => {
  it("prints every /proc/self/maps line exactly as Linux did", () => {
    const text = readFileSync("/proc/self/maps", "utf8");
    const stat = readFileSync("/proc/self/stat", "utf8");
    // fields after "(comm)": field 3 is index 0; startstack is field 28, start_brk field 47
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const startStack = Number(fields[28 - 3]);
    const startBrk = Number(fields[47 - 3]);
    const { entries, errors } = parseProcMaps(text);
    expect(errors).toEqual([]);
    expect(entries.length).toBeGreaterThan(5);
    const heap = entries.find((e) => e.start <= startBrk && e.end > startBrk);
    const layout = { startBrk, brk: heap?.end ?? startBrk, startStack };
    const lines = text.split("\n").filter((l) => l !== "");
    entries.forEach((e, i) => {
      const special = e.name !== null && e.name.startsWith("[") ? e.name : null;
      const vma: VmaView = {
        vmStart: e.start,
        vmEnd: e.end,
        vmFlags:
          (e.prot & PROT_READ ? VM_READ : 0) |
          (e.prot & PROT_WRITE ? VM_WRITE : 0) |
          (e.prot & PROT_EXEC ? VM_EXEC : 0) |
          (e.share === "p" ? 0 : VM_MAYSHARE | VM_SHARED),
        vmPgoff: e.offset / PAGE_SIZE,
        file: e.name !== null && special === null ? { path: e.name, devMajor: e.devMajor, devMinor: e.devMinor, ino: e.ino } : null,
        name: special,
      };
      expect(showMapVmaMmu(vma, layout)).toBe(`${lines[i]}\n`);
    });
  });

  it("prints every /proc/meminfo line exactly as Linux did", () => {
    const text = readFileSync("/proc/meminfo", "utf8");
    for (const l of text.split("\n").filter((x) => x !== "")) {
      const m = /^([^:]+):\s+(\d+)/.exec(l);
      expect(m, l).not.toBeNull();
      expect(meminfoLine(m![1]!, Number(m![2]))).toBe(`${l}\n`);
    }
  });

  it("prints the Vm* lines of /proc/self/status exactly as Linux did", () => {
    const text = readFileSync("/proc/self/status", "utf8");
    const kb = (label: string): number => Number(new RegExp(`^${label}:\\s+(\\d+) kB$`, "m").exec(text)![1]);
    const pages = (label: string): number => kb(label) / 4;
    const start = text.indexOf("VmPeak:");
    const end = text.indexOf("\n", text.indexOf("HugetlbPages:")) + 1;
    expect(
      taskMemMmu({
        hiwaterVm: pages("VmPeak"),
        totalVm: pages("VmSize"),
        lockedVm: pages("VmLck"),
        pinnedVm: pages("VmPin"),
        hiwaterRss: pages("VmHWM"),
        anon: pages("RssAnon"),
        file: pages("RssFile"),
        shmem: pages("RssShmem"),
        dataVm: pages("VmData"),
        stackVm: pages("VmStk"),
        text: pages("VmExe"),
        lib: pages("VmLib"),
        ptesBytes: kb("VmPTE") * 1024,
        swap: pages("VmSwap"),
        hugetlb: pages("HugetlbPages"),
      }),
    ).toBe(text.slice(start, end));
  });
});
