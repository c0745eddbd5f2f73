import { describe, expect, it } from "vitest";
import { formatMeminfo, meminfoLine, taskMemNommu } from "../src/index.js";

describe("/proc/meminfo", () => {
  it("pads the label to 16 and the kB value to 8, widening for large values", () => {
    expect(meminfoLine("MemTotal", 8039204)).toBe("MemTotal:        8039204 kB\n");
    expect(meminfoLine("VmallocTotal", 34359738367)).toBe("VmallocTotal:   34359738367 kB\n");
    expect(meminfoLine("HugePages_Free", 0)).toBe("HugePages_Free:        0\n");
  });

  it("shows MmapCopy right after Mlocked only on NOMMU, in 6.12's order", () => {
    const nommu = formatMeminfo({ MemTotal: 4096, MemFree: 1000, MmapCopy: 25 }, { mmapCopy: true });
    const lines = nommu.split("\n");
    expect(lines[0]).toBe("MemTotal:          16384 kB");
    expect(lines[1]).toBe("MemFree:            4000 kB");
    expect(lines[13]).toBe("Mlocked:               0 kB");
    expect(lines[14]).toBe("MmapCopy:            100 kB");
    expect(lines[15]).toBe("SwapTotal:             0 kB");
    expect(formatMeminfo({}, { mmapCopy: false })).not.toMatch(/MmapCopy/);
    expect(formatMeminfo({}, { mmapCopy: false, hugetlb: true })).toContain("HugePages_Total:       0\nHugePages_Free:        0\n");
  });
});

describe("/proc/<pid>/status on NOMMU", () => {
  it("prints Mem, Slack and Shared in bytes", () => {
    expect(taskMemNommu({ mem: 139264, slack: 4096, shared: 0 })).toBe("Mem:\t  139264 bytes\nSlack:\t    4096 bytes\nShared:\t       0 bytes\n");
  });
});
