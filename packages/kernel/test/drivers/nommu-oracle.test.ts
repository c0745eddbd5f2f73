/**
 * The NOMMU column against a real NOMMU kernel: fixtures/mmap-table.txt is what
 * oracle/mmap-table.c printed on Linux 6.12 NOMMU (RISC-V under QEMU, oracle/capture.sh) for the
 * rows that kernel can make — anonymous memory, files on an ext2 disk, a ramfs file, /dev/null —
 * in the words of src/drivers/table.ts, without the fork step (RISC-V NOMMU has no fork syscall).
 * fixtures/shared-joins-copy.txt is a quirk of that kernel the simulator reproduces.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AT_FDCWD, MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, NR, O_CREAT, O_RDWR, PAGE_SIZE, PROT_READ, PROT_WRITE } from "@mmsim/mm-types";
import { NOMMU_MMAP_TABLE_CASES, createRamfsFile, runMmapTableCase } from "../../src/index.js";
import { makeKernel, peek, poke, spawn, sys } from "./world.js";

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, "fixtures", name), "utf8");
const rows = fixture("mmap-table.txt")
  .split("\n")
  .filter((l) => l.includes("\t"))
  .map((l) => l.split("\t") as [string, string]);

describe("the NOMMU column against Linux 6.12 NOMMU", () => {
  it("has the eight rows the real kernel can make", () => {
    expect(rows.map(([type]) => type)).toHaveLength(8);
  });

  it.each(rows)("%s", (type, real) => {
    const c = NOMMU_MMAP_TABLE_CASES.find((x) => x.type === type);
    expect(c, `no case named ${type}`).toBeDefined();
    const cell = runMmapTableCase(makeKernel("nommu"), c!, "nommu");
    expect(cell.split("; ").filter((w) => !w.startsWith("fork ")).join("; ")).toBe(real);
  });
});

describe("Linux 6.12 NOMMU's quirk: a shared mapping joins a read-only private copy", () => {
  it("gets the copy's address, and a store through it never reaches the file", () => {
    const real = fixture("shared-joins-copy.txt");
    const addr = (call: string): string => new RegExp(`^${call.replace(/[()|]/g, "\\$&")}\\) = (0x[0-9a-f]+)$`, "m").exec(real)![1]!;
    expect(addr("mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, 3, 0")).toBe(addr("mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0"));
    expect(real).toMatch(/through the shared mapping: 0$/m);

    const kernel = makeKernel("nommu");
    createRamfsFile(kernel, "/x");
    const t = spawn(kernel);
    const fd = sys(kernel, t, NR.openat, AT_FDCWD, "/x", O_RDWR | O_CREAT, 0o600);
    const copy = sys(kernel, t, NR.mmap, 0, 2 * PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
    expect(sys(kernel, t, NR.ftruncate, fd, 2 * PAGE_SIZE)).toBe(0);
    const shared = sys(kernel, t, NR.mmap, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    expect(shared).toBe(copy);
    poke(kernel, t, shared, new Uint8Array([90]));
    const buf = sys(kernel, t, NR.mmap, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    expect(sys(kernel, t, NR.pread64, fd, buf, 1, 0)).toBe(1);
    expect(peek(kernel, t, buf, 1)).toEqual(new Uint8Array([0]));
  });
});
