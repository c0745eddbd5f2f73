import { expect, it } from "vitest";
import { PAGE_SIZE, VM_MAPPED_COPY, VM_MAYOVERLAY, VM_MAYSHARE, VM_READ, VM_EXEC } from "@mmsim/mm-types";
import type { FileIdentity } from "@mmsim/mm-types";
import { createNommuRegionTree, nommuRegionListShow, splitNommuRegion } from "@mmsim/vm-region";

// The README's "API at a glance", with assertions where the README prints.
it("the README example runs and prints what the README says", () => {
  const regions = createNommuRegionTree();
  const libc: FileIdentity = { path: "/lib/libc.so.0", devMajor: 0x1f, devMinor: 1, ino: 1541936 };

  const text = regions.addNommuRegion({
    vmFlags: VM_READ | VM_EXEC | VM_MAYOVERLAY | VM_MAPPED_COPY,
    vmStart: 0x2ab40000,
    vmEnd: 0x2ab40000 + 3 * PAGE_SIZE,
    vmTop: 0x2ab40000 + 4 * PAGE_SIZE,
    vmPgoff: 0,
    vmFile: libc,
  });

  const found = regions.lookupFileRange(libc, 1, 2 * PAGE_SIZE, VM_MAYSHARE | VM_MAYOVERLAY);
  expect(found.first?.kind).toBe("containing");
  expect(regions.getNommuRegion(found.firstSuperset!)).toBe(2);
  expect((text.vmStart + (1 - text.vmPgoff) * PAGE_SIZE).toString(16)).toBe("2ab41000");

  const heap = regions.addNommuRegion({
    vmFlags: VM_READ | VM_MAPPED_COPY,
    vmStart: 0x100000,
    vmEnd: 0x104000,
    vmTop: 0x104000,
    vmPgoff: 0,
    vmFile: null,
  });
  const below = splitNommuRegion(regions, heap, 0x101000, true);
  expect(regions.putNommuRegion(below)).toBe(0);

  expect(nommuRegionListShow(regions, { pointerBytes: 4 })).toBe(
    "00101000-00104000 r--p 00001000 00:00 0 \n" + "2ab40000-2ab43000 r-xp 00000000 1f:01 1541936    /lib/libc.so.0\n",
  );
  regions.assertValid();
});

it("the README's misuse message is the store's", () => {
  const regions = createNommuRegionTree();
  const flags = 0x1000033;
  regions.addNommuRegion({ vmFlags: flags, vmStart: 0x4000, vmEnd: 0x6000, vmTop: 0x8000, vmPgoff: 0, vmFile: null });
  expect(() =>
    regions.addNommuRegion({ vmFlags: flags, vmStart: 0x7000, vmEnd: 0x9000, vmTop: 0x9000, vmPgoff: 0, vmFile: null }),
  ).toThrow(
    "add_nommu_region: region 0x7000-0x9000 (top 0x9000, pgoff 0x0, flags 0x1000033, usage 1, anon) starts below the vm_top of " +
      "region 0x4000-0x6000 (top 0x8000, pgoff 0x0, flags 0x1000033, usage 1, anon)",
  );
});
