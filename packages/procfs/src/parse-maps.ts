/**
 * Parses /proc/<pid>/maps text (MMU or NOMMU) back into areas: what a process snapshot is made
 * from. The inverse of showMapVmaMmu()/showMapVmaNommu() for every line Linux prints.
 */
import { PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE } from "@mmsim/mm-types";

/** One area of a maps file, as printed. */
export interface MapsEntry {
  /** 1-based line number in the text. */
  readonly line: number;
  readonly start: number;
  readonly end: number;
  /** PROT_READ | PROT_WRITE | PROT_EXEC as the rwx columns show. */
  readonly prot: number;
  /** The 4th column: "p" private, "s" may-share, "S" shared-writable (NOMMU only). */
  readonly share: "p" | "s" | "S";
  /** File offset in bytes. */
  readonly offset: number;
  readonly devMajor: number;
  readonly devMinor: number;
  readonly ino: number;
  /** Path or special name ("[heap]", "/dev/zero (deleted)"), or null. */
  readonly name: string | null;
}

/** A line that isn't a maps line, with what was expected. */
export interface MapsParseError {
  readonly line: number;
  readonly message: string;
}

/** The result of parsing: the good lines and an error for each bad one. */
export interface ParsedMaps {
  readonly entries: MapsEntry[];
  readonly errors: MapsParseError[];
}

const HEX = /^[0-9a-f]+$/;
const DEC = /^[0-9]+$/;

function parseLine(text: string, line: number): MapsEntry | MapsParseError {
  const fail = (what: string): MapsParseError => ({ line, message: `line ${line}: expected ${what} in "${text}"` });
  const fields = text.split(" ");
  const [range, perms, offset, dev, ino] = fields;
  const dash = range?.indexOf("-") ?? -1;
  if (range === undefined || dash < 1) return fail("start-end addresses");
  const startHex = range.slice(0, dash);
  const endHex = range.slice(dash + 1);
  if (!HEX.test(startHex) || !HEX.test(endHex)) return fail("hexadecimal start-end addresses");
  if (startHex.length > 16 || endHex.length > 16) return fail("addresses below 2^64");
  const start = parseInt(startHex, 16);
  const end = parseInt(endHex, 16);
  if (!(end > start)) return fail("an end address above the start");
  if (perms === undefined || !/^[r-][w-][x-][psS]$/.test(perms)) return fail('permissions like "rw-p"');
  if (offset === undefined || !HEX.test(offset) || offset.length > 16) return fail("a hexadecimal offset");
  // Linux prints vm_pgoff << PAGE_SHIFT: an offset that isn't a page multiple never came from a kernel
  if (parseInt(offset, 16) % PAGE_SIZE !== 0) return fail("an offset that is a multiple of the page size");
  const devMatch = dev === undefined ? null : /^([0-9a-f]+):([0-9a-f]+)$/.exec(dev);
  if (devMatch === null) return fail('a device "major:minor" in hexadecimal');
  if (ino === undefined || !DEC.test(ino)) return fail("a decimal inode number");
  const rest = fields.slice(5).join(" ").replace(/^ +/, "");
  const prot = (perms[0] === "r" ? PROT_READ : 0) | (perms[1] === "w" ? PROT_WRITE : 0) | (perms[2] === "x" ? PROT_EXEC : 0);
  return {
    line,
    start,
    end,
    prot,
    share: perms[3] as "p" | "s" | "S",
    offset: parseInt(offset, 16),
    devMajor: parseInt(devMatch[1]!, 16),
    devMinor: parseInt(devMatch[2]!, 16),
    ino: Number(ino),
    name: rest === "" ? null : rest,
  };
}

/** Parses maps text; blank lines are ignored, every other line is an entry or an error. */
export function parseProcMaps(text: string): ParsedMaps {
  const entries: MapsEntry[] = [];
  const errors: MapsParseError[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.replace(/\r$/, "");
    if (t.trim() === "") continue;
    const r = parseLine(t, i + 1);
    if ("message" in r) errors.push(r);
    else entries.push(r);
  }
  return { entries, errors };
}
