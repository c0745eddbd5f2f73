import { describe, expect, it } from "vitest";
import {
  BDI_CAP_EXEC_MAP,
  BDI_CAP_READ_MAP,
  BDI_CAP_WRITE_MAP,
  EAGAIN,
  ENOMEM,
  Errno,
  MAP_FIXED_NOREPLACE,
  NOMMU_MAP_EXEC,
  NOMMU_MAP_READ,
  NOMMU_MAP_WRITE,
  PAGE_SIZE,
  VM_MAPPED_COPY,
  VM_MAYEXEC,
  VM_MAYOVERLAY,
  VM_MAYREAD,
  VM_MAYWRITE,
  errnoByName,
  errnoName,
  formatErrno,
  getOrder,
  isNommuSharedMapping,
  pageAlign,
  VM_MAYSHARE,
  VM_READ,
} from "../src/index.js";

describe("ABI numbers", () => {
  it("keeps the capability bits equal to the VM_MAY* bits, as the 2005 header enforces", () => {
    expect([BDI_CAP_READ_MAP, BDI_CAP_WRITE_MAP, BDI_CAP_EXEC_MAP]).toEqual([VM_MAYREAD, VM_MAYWRITE, VM_MAYEXEC]);
    expect([NOMMU_MAP_READ, NOMMU_MAP_WRITE, NOMMU_MAP_EXEC]).toEqual([VM_MAYREAD, VM_MAYWRITE, VM_MAYEXEC]);
  });

  it("has the NOMMU-only flag values of include/linux/mm.h", () => {
    expect(VM_MAYOVERLAY).toBe(0x200);
    expect(VM_MAPPED_COPY).toBe(0x01000000);
    expect(MAP_FIXED_NOREPLACE).toBe(0x100000);
  });

  it("tells shareable NOMMU mappings apart", () => {
    expect(isNommuSharedMapping(VM_READ | VM_MAYSHARE)).toBe(true);
    expect(isNommuSharedMapping(VM_READ | VM_MAYOVERLAY)).toBe(true);
    expect(isNommuSharedMapping(VM_READ)).toBe(false);
  });
});

describe("errno", () => {
  it("formats a failure the way strace prints it", () => {
    expect(formatErrno(-ENOMEM)).toBe("-1 ENOMEM (Cannot allocate memory)");
    expect(formatErrno(Errno.EINVAL)).toBe("-1 EINVAL (Invalid argument)");
    expect(formatErrno(Errno.ETXTBSY)).toBe("-1 ETXTBSY (Text file busy)");
    expect(formatErrno(Errno.ERESTARTSYS)).toBe("-1 ERESTARTSYS (To be restarted if SA_RESTART is set)");
  });

  it("maps names and numbers both ways, aliases included", () => {
    expect(errnoName(11)).toBe("EAGAIN");
    expect(errnoByName("EWOULDBLOCK")).toBe(EAGAIN);
    expect(errnoByName("ENOSUCH")).toBeUndefined();
    expect(errnoByName("toString")).toBeUndefined();
  });
});

describe("page helpers", () => {
  it.each([
    [1, 0],
    [PAGE_SIZE, 0],
    [PAGE_SIZE + 1, 1],
    [3 * PAGE_SIZE, 2],
    [4 << 20, 10],
  ])("getOrder(%i) = %i", (bytes, order) => {
    expect(getOrder(bytes)).toBe(order);
  });

  it("aligns up to the page", () => {
    expect(pageAlign(1)).toBe(PAGE_SIZE);
    expect(pageAlign(0x7ffff7fff000)).toBe(0x7ffff7fff000);
  });
});
