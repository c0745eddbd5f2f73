/** The framebuffer: video memory mapped directly and shared on NOMMU (never copied), faulted in on MMU. */
import { describe, expect, it } from "vitest";
import {
  AT_FDCWD,
  EFBIG,
  EINVAL,
  ENODEV,
  ENOSPC,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  MAP_SHARED,
  NR,
  O_RDWR,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
  S_IFCHR,
} from "@mmsim/mm-types";
import { FB_MAJOR, createFramebuffer, fbGetUnmappedArea } from "../../src/index.js";
import type { Framebuffer } from "../../src/index.js";
import { exitAll, makeWorld, pattern, peek, poke, sibling, spawn, sys } from "./world.js";

const P = PAGE_SIZE;
const RW = PROT_READ | PROT_WRITE;

function fbWorld(backend: "mmu" | "nommu", smemLen = 3 * P) {
  const w = makeWorld(backend);
  const fb = createFramebuffer(w.kernel, { smemLen }) as Framebuffer;
  const tid = spawn(w.kernel);
  const fd = sys(w.kernel, tid, NR.openat, AT_FDCWD, "/dev/fb0", O_RDWR, 0);
  return { ...w, fb, tid, fd };
}

describe.each(["mmu", "nommu"] as const)("framebuffer on %s", (backend) => {
  it("is the chardev 29:0; two processes drawing through shared mappings see each other's pixels", () => {
    const { kernel, fb, tid, fd } = fbWorld(backend);
    expect([fb.inode.type, fb.inode.devMajor]).toEqual([S_IFCHR, FB_MAJOR]);
    const a = sys(kernel, tid, NR.mmap, 0, 3 * P, RW, MAP_SHARED, fd, 0);
    const other = sibling(kernel, tid);
    const b = sys(kernel, other, NR.mmap, 0, 2 * P, RW, MAP_SHARED, fd, P);
    if (backend === "nommu") expect([a, b]).toEqual([fb.memory.base, fb.memory.base + P]);
    poke(kernel, tid, a + 2 * P + 4, pattern(4));
    expect(peek(kernel, other, b + P + 4, 4)).toEqual(pattern(4));
    expect(fb.mappings.count).toBe(2);
    exitAll(kernel);
    expect(fb.mappings.count).toBe(0);
    expect(fb.mappings.lastCloses).toBeGreaterThanOrEqual(1);
  });

  it("refuses a mapping longer than video memory (EINVAL)", () => {
    const { kernel, tid, fd } = fbWorld(backend);
    expect(sys(kernel, tid, NR.mmap, 0, 2 * P, RW, MAP_SHARED, fd, 2 * P)).toBe(-EINVAL);
    expect(sys(kernel, tid, NR.mmap, 0, 4 * P, RW, MAP_SHARED, fd, 0)).toBe(-EINVAL);
  });

  it("write(2) is EFBIG past the end and ENOSPC at it, as fb_write() says", () => {
    const { kernel, fb, tid, fd } = fbWorld(backend, P + 100);
    const buf = sys(kernel, tid, NR.mmap, 0, 2 * P, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    expect(sys(kernel, tid, NR.write, fd, buf, 2 * P)).toBe(P + 100);
    expect(sys(kernel, tid, NR.write, fd, buf, 1)).toBe(-ENOSPC);
    expect(fb.inode.size).toBe(P + 100);
    const w = makeWorld(backend);
    const small = createFramebuffer(w.kernel, { smemLen: P }) as Framebuffer;
    expect(small.inode.driver.write(small.inode, P + 1, pattern(1))).toBe(-EFBIG);
  });
});

describe("framebuffer on NOMMU", () => {
  it("can't be copied: a private mapping is ENODEV, while MMU maps it", () => {
    const nommu = fbWorld("nommu");
    expect(sys(nommu.kernel, nommu.tid, NR.mmap, 0, P, PROT_READ, MAP_PRIVATE, nommu.fd, 0)).toBe(-ENODEV);
    const mmu = fbWorld("mmu");
    expect(sys(mmu.kernel, mmu.tid, NR.mmap, 0, P, PROT_READ, MAP_PRIVATE, mmu.fd, 0)).toBeGreaterThan(0);
  });

  it("get_unmapped_area checks in pages and bytes alike (Linux's mixes them)", () => {
    const { fb } = fbWorld("nommu", 3 * P);
    expect(fbGetUnmappedArea(fb.memory, P, 2)).toBe(fb.memory.base + 2 * P);
    expect(fbGetUnmappedArea(fb.memory, 2 * P, 2)).toBe(-EINVAL);
    expect(fbGetUnmappedArea(fb.memory, P, 4)).toBe(-EINVAL);
  });
});
