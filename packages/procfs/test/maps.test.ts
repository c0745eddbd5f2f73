import { describe, expect, it } from "vitest";
import { VM_EXEC, VM_MAYREAD, VM_MAYSHARE, VM_READ, VM_SHARED, VM_WRITE } from "@mmsim/mm-types";
import type { VmaView } from "@mmsim/mm-types";
import { formatMaps, parseProcMaps, showMapVmaMmu, showMapVmaNommu } from "../src/index.js";

const layout = { startBrk: 0x555555559000, brk: 0x55555557a000, startStack: 0x7ffffffde100 };
const libc = { path: "/usr/lib/x86_64-linux-gnu/libc.so.6", devMajor: 0xfe, devMinor: 0, ino: 339380 };

function vma(vmStart: number, vmEnd: number, vmFlags: number, extra: Partial<VmaView> = {}): VmaView {
  return { vmStart, vmEnd, vmFlags, vmPgoff: 0, file: null, name: null, ...extra };
}

describe("MMU /proc/<pid>/maps lines", () => {
  it.each([
    [
      "a file mapping with offset, padded to column 73",
      vma(0x7ffff7dd3000, 0x7ffff7f29000, VM_READ | VM_EXEC, { vmPgoff: 0x26, file: libc }),
      "7ffff7dd3000-7ffff7f29000 r-xp 00026000 fe:00 339380                     /usr/lib/x86_64-linux-gnu/libc.so.6\n",
    ],
    ["anonymous memory: trailing space, no padding", vma(0x7ffff7dd0000, 0x7ffff7dd3000, VM_READ | VM_WRITE), "7ffff7dd0000-7ffff7dd3000 rw-p 00000000 00:00 0 \n"],
    ["the heap, named from start_brk and brk", vma(0x555555559000, 0x55555557a000, VM_READ | VM_WRITE), "555555559000-55555557a000 rw-p 00000000 00:00 0                          [heap]\n"],
    ["the stack, named from start_stack", vma(0x7ffffffde000, 0x7ffffffff000, VM_READ | VM_WRITE), "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n"],
    ["a special mapping", vma(0x7ffff7fc1000, 0x7ffff7fc3000, VM_READ | VM_EXEC, { name: "[vdso]" }), "7ffff7fc1000-7ffff7fc3000 r-xp 00000000 00:00 0                          [vdso]\n"],
    ["shared memory prints s", vma(0x7ffff7ff0000, 0x7ffff7ff1000, VM_READ | VM_WRITE | VM_SHARED | VM_MAYSHARE, { file: { path: "/dev/zero (deleted)", devMajor: 0, devMinor: 1, ino: 4 } }), "7ffff7ff0000-7ffff7ff1000 rw-s 00000000 00:01 4                          /dev/zero (deleted)\n"],
    ["low addresses keep 8 digits", vma(0x10000, 0x11000, VM_READ), "00010000-00011000 r--p 00000000 00:00 0 \n"],
  ])("%s", (_name, v, line) => {
    expect(showMapVmaMmu(v, layout)).toBe(line);
  });

  it("does not call an empty heap's neighbour [heap] (vm_start < brk is strict)", () => {
    const empty = { ...layout, brk: layout.startBrk };
    expect(showMapVmaMmu(vma(0x555555559000, 0x55555557a000, VM_READ | VM_WRITE), empty)).toBe("555555559000-55555557a000 rw-p 00000000 00:00 0 \n");
  });
});

describe("NOMMU /proc/<pid>/maps lines", () => {
  it.each([
    ["S: shared and writable", VM_READ | VM_WRITE | VM_SHARED | VM_MAYSHARE, "rw-S"],
    ["s: may share (a read-only direct mapping)", VM_READ | VM_MAYSHARE, "r--s"],
    ["p: private copy", VM_READ | VM_MAYREAD, "r--p"],
  ])("%s", (_name, flags, perms) => {
    expect(showMapVmaNommu(vma(0x1000, 0x3000, flags), layout)).toBe(`00001000-00003000 ${perms} 00000000 00:00 0 \n`);
  });

  it("names only the stack, never the heap", () => {
    const heapLayout = { startBrk: 0x1000, brk: 0x3000, startStack: 0x5000 };
    expect(showMapVmaNommu(vma(0x1000, 0x3000, VM_READ | VM_WRITE), heapLayout)).toBe("00001000-00003000 rw-p 00000000 00:00 0 \n");
    // the fixed part is 40 columns here: padded to 72, then one space before the name
    expect(showMapVmaNommu(vma(0x4000, 0x6000, VM_READ | VM_WRITE), heapLayout)).toBe(
      `00004000-00006000 rw-p 00000000 00:00 0 ${" ".repeat(32)} [stack]\n`,
    );
  });
});

describe("parsing maps text", () => {
  it("round-trips what it prints", () => {
    const vmas = [
      vma(0x7ffff7dd3000, 0x7ffff7f29000, VM_READ | VM_EXEC, { vmPgoff: 0x26, file: libc }),
      vma(0x555555559000, 0x55555557a000, VM_READ | VM_WRITE),
      vma(0x7ffff7ff0000, 0x7ffff7ff1000, VM_READ | VM_SHARED | VM_MAYSHARE, { file: { path: "/tmp/a file with spaces", devMajor: 8, devMinor: 1, ino: 12 } }),
    ];
    const text = formatMaps(vmas, layout, showMapVmaMmu);
    const { entries, errors } = parseProcMaps(text);
    expect(errors).toEqual([]);
    expect(entries.map((e) => [e.start, e.end, e.share, e.offset, e.devMajor, e.devMinor, e.ino, e.name])).toEqual([
      [0x7ffff7dd3000, 0x7ffff7f29000, "p", 0x26000, 0xfe, 0, 339380, libc.path],
      [0x555555559000, 0x55555557a000, "p", 0, 0, 0, 0, "[heap]"],
      [0x7ffff7ff0000, 0x7ffff7ff1000, "s", 0, 8, 1, 12, "/tmp/a file with spaces"],
    ]);
  });

  it.each([
    ["zzzz-1000 r--p 00000000 00:00 0", "hexadecimal start-end addresses"],
    ["2000-1000 r--p 00000000 00:00 0", "an end address above the start"],
    ["1000-2000 rwz 00000000 00:00 0", 'permissions like "rw-p"'],
    ["1000-2000 r--p 0000g000 00:00 0", "a hexadecimal offset"],
    ["1000-2000 r--p 00004096 00:00 0", "an offset that is a multiple of the page size"],
    ["1000-2000 r--p 10000000000000000 00:00 0", "a hexadecimal offset"],
    ["1000-10000000000000000 r--p 00000000 00:00 0", "addresses below 2^64"],
    ["1000-2000 r--p 00000000 0000 0", 'a device "major:minor" in hexadecimal'],
    ["1000-2000 r--p 00000000 00:00 x", "a decimal inode number"],
  ])("names the line and what was expected: %s", (bad, expected) => {
    const { entries, errors } = parseProcMaps(`1000-2000 r--p 00000000 00:00 0 \n\n${bad}\n`);
    expect(entries).toHaveLength(1);
    expect(errors).toEqual([{ line: 3, message: `line 3: expected ${expected} in "${bad}"` }]);
  });
});
