import { describe, expect, it } from "vitest";
import {
  PAGE_SIZE,
  VM_EXEC,
  VM_MAPPED_COPY,
  VM_MAYOVERLAY,
  VM_MAYREAD,
  VM_MAYSHARE,
  VM_MAYWRITE,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
} from "@mmsim/mm-types";
import type { FileIdentity, RegionView } from "@mmsim/mm-types";
import { createNommuRegionTree, nommuRegionListShow, nommuRegionShow, regionView } from "@mmsim/vm-region";

const busybox: FileIdentity = { path: "/bin/busybox", devMajor: 0x1f, devMinor: 1, ino: 911368 };

function view(over: Partial<RegionView>): RegionView {
  return {
    vmStart: 0x400000,
    vmEnd: 0x480000,
    vmTop: 0x480000,
    vmFlags: VM_READ | VM_EXEC,
    vmPgoff: 0,
    vmUsage: 1,
    file: null,
    ...over,
  };
}

describe("nommuRegionShow: one /proc/maps line", () => {
  it("prints an anonymous region with `00:00 0` and a trailing space", () => {
    const line = nommuRegionShow(
      view({ vmStart: 0xc0a000, vmEnd: 0xc0c000, vmTop: 0xc10000, vmFlags: VM_READ | VM_WRITE | VM_MAPPED_COPY }),
    );
    expect(line).toBe("00c0a000-00c0c000 rw-p 00000000 00:00 0 \n");
  });

  it("pads a file line to column 72 on a 64-bit kernel, then one space and the path", () => {
    const line = nommuRegionShow(view({ file: busybox, vmFlags: VM_READ | VM_EXEC | VM_MAYOVERLAY | VM_MAPPED_COPY }));
    expect(line).toBe("00400000-00480000 r-xp 00000000 1f:01 911368                             /bin/busybox\n");
    expect(line.indexOf("/bin/busybox")).toBe(73);
  });

  // The 32-bit case checked against a real line: a 2.6.8 MIPS uClibc box printed
  // "00400000-00480000 r-xp 00000000 1f:01 911368     /bin/busybox" (same padding rule, 5 spaces).
  it("pads to column 48 on a 32-bit kernel", () => {
    const line = nommuRegionShow(view({ file: busybox }), { pointerBytes: 4 });
    expect(line).toBe("00400000-00480000 r-xp 00000000 1f:01 911368     /bin/busybox\n");
  });

  it.each([
    [12345678, "00400000-00480000 r-xp 00000000 1f:01 12345678   /lib/x\n"],
    [123456789, "00400000-00480000 r-xp 00000000 1f:01 123456789  /lib/x\n"],
    [1234567890, "00400000-00480000 r-xp 00000000 1f:01 1234567890  /lib/x\n"],
  ])("keeps one pad space even when the fixed part reaches the column (32-bit, inode %i)", (ino, want) => {
    const file: FileIdentity = { path: "/lib/x", devMajor: 0x1f, devMinor: 1, ino };
    expect(nommuRegionShow(view({ file }), { pointerBytes: 4 })).toBe(want);
  });

  it.each([
    [10 ** 13, "7ffff7fff000-7ffff8000000 r--s 10000000000000 fff:fffff 10000000000000   /dev/mtd0\n"],
    [10 ** 14, "7ffff7fff000-7ffff8000000 r--s 10000000000000 fff:fffff 100000000000000  /dev/mtd0\n"],
    [10 ** 15, "7ffff7fff000-7ffff8000000 r--s 10000000000000 fff:fffff 1000000000000000  /dev/mtd0\n"],
  ])("prints wide fields unpadded and pads around column 72 (64-bit, inode %i)", (ino, want) => {
    const file: FileIdentity = { path: "/dev/mtd0", devMajor: 0xfff, devMinor: 0xfffff, ino };
    const r = view({ vmStart: 0x7ffff7fff000, vmEnd: 0x7ffff8000000, vmPgoff: 2 ** 40, vmFlags: VM_READ | VM_MAYSHARE, file });
    expect(nommuRegionShow(r)).toBe(want);
  });

  it.each([
    [VM_READ | VM_MAYREAD, "r--p"],
    [VM_READ | VM_WRITE | VM_EXEC, "rwxp"],
    [VM_WRITE, "-w-p"],
    [VM_EXEC | VM_MAYOVERLAY, "--xp"],
    [VM_READ | VM_MAYSHARE, "r--s"],
    [VM_READ | VM_WRITE | VM_MAYSHARE | VM_SHARED, "rw-S"],
    [VM_READ | VM_SHARED, "r--p"],
    [VM_MAYREAD | VM_MAYWRITE, "---p"],
  ])("vm_flags %i print as %s", (vmFlags, want) => {
    expect(nommuRegionShow(view({ vmFlags })).slice(18, 22)).toBe(want);
  });

  it.each([
    [0, "00000000"],
    [0x80, "00080000"],
    [2 ** 40, "10000000000000"],
    [2 ** 52, "00000000"],
    [2 ** 52 + 3, "00003000"],
  ])("prints vm_pgoff %i as the 64-bit byte offset %s", (vmPgoff, want) => {
    expect(nommuRegionShow(view({ vmPgoff })).split(" ")[2]).toBe(want);
  });

  it("prints vm_end, never vm_top, and the region's own pgoff even when it is anonymous", () => {
    const r = view({
      vmStart: 0x10000,
      vmEnd: 0x13000,
      vmTop: 0x14000,
      vmPgoff: 7,
      vmFlags: VM_READ | VM_WRITE | VM_MAPPED_COPY,
    });
    expect(nommuRegionShow(r)).toBe("00010000-00013000 rw-p 00007000 00:00 0 \n");
  });
});

describe("nommuRegionListShow: the whole /proc/maps", () => {
  it("prints every region of the store in address order", () => {
    const store = createNommuRegionTree();
    const libc: FileIdentity = { path: "/lib/libc.so.0", devMajor: 0x1f, devMinor: 1, ino: 1541936 };
    store.addNommuRegion({
      vmFlags: VM_READ | VM_WRITE | VM_MAPPED_COPY,
      vmStart: 0x2ab31000,
      vmEnd: 0x2ab43000,
      vmTop: 0x2ab43000,
      vmPgoff: 0,
      vmFile: null,
    });
    store.addNommuRegion({
      vmFlags: VM_READ | VM_EXEC | VM_MAYOVERLAY | VM_MAPPED_COPY,
      vmStart: 0x2ab43000,
      vmEnd: 0x2ab81000,
      vmTop: 0x2ab81000,
      vmPgoff: 0,
      vmFile: libc,
      vmUsage: 3,
    });
    store.addNommuRegion({
      vmFlags: VM_READ | VM_WRITE | VM_MAYSHARE | VM_SHARED,
      vmStart: 0x1000,
      vmEnd: 0x1000 + 4 * PAGE_SIZE,
      vmTop: 0x5000,
      vmPgoff: 0x3d,
      vmFile: busybox,
    });
    expect(nommuRegionListShow(store, { pointerBytes: 4 })).toBe(
      "00001000-00005000 rw-S 0003d000 1f:01 911368     /bin/busybox\n" +
        "2ab31000-2ab43000 rw-p 00000000 00:00 0 \n" +
        "2ab43000-2ab81000 r-xp 00000000 1f:01 1541936    /lib/libc.so.0\n",
    );
  });

  it("prints nothing for an empty store, and regionView() formats a single stored record", () => {
    const store = createNommuRegionTree();
    expect(nommuRegionListShow(store)).toBe("");
    const r = store.addNommuRegion({
      vmFlags: VM_READ | VM_MAPPED_COPY,
      vmStart: 0x8000,
      vmEnd: 0x9000,
      vmTop: 0x9000,
      vmPgoff: 0,
      vmFile: busybox,
    });
    expect(nommuRegionShow(regionView(r), { pointerBytes: 4 })).toBe(
      "00008000-00009000 r--p 00000000 1f:01 911368     /bin/busybox\n",
    );
  });
});
