/** The README's example, with assertions where it comments. */
import { expect, it } from "vitest";
import { ENODEV, MAP_PRIVATE, MAP_SHARED, NOMMU_MAP_COPY, PROT_READ, PROT_WRITE, S_IFCHR, VM_MAYREAD, VM_MAYSHARE, VM_MAYWRITE, VM_READ, VM_SHARED, VM_WRITE } from "@mmsim/mm-types";
import type { MmapFile } from "@mmsim/mm-types";
import { bdiCapsNames, determineVmFlags, nommuCapsNames, nommuCapsToBdi, validateMmapRequest } from "../src/index.js";

it("runs the README example", () => {
  const fb: MmapFile = {
    identity: { path: "/dev/fb0", devMajor: 29, devMinor: 0, ino: 1 },
    inodeType: S_IFCHR,
    readable: true,
    writable: true,
    appendOnly: false,
    noexec: false,
    size: () => 0,
    read: () => -22,
    ops: { mmap: () => 0, getUnmappedArea: () => 0x80400000 },
  };
  const caps = validateMmapRequest(fb, 0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
  expect(nommuCapsNames(caps)).toBe("NOMMU_MAP_DIRECT|NOMMU_MAP_READ|NOMMU_MAP_WRITE");
  expect(bdiCapsNames(nommuCapsToBdi(caps))).toBe("BDI_CAP_MAP_DIRECT|BDI_CAP_READ_MAP|BDI_CAP_WRITE_MAP");
  expect(determineVmFlags(fb, PROT_READ | PROT_WRITE, MAP_SHARED, caps)).toBe(VM_READ | VM_WRITE | VM_SHARED | VM_MAYSHARE | VM_MAYREAD | VM_MAYWRITE);
  expect(validateMmapRequest(fb, 0, 8192, PROT_READ, MAP_PRIVATE, 0)).toBe(-ENODEV);
  expect(validateMmapRequest(null, 0, 8192, PROT_READ, MAP_PRIVATE | 0x20, 0)).toBe(NOMMU_MAP_COPY);
});
