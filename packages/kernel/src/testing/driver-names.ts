/**
 * Names the kit prints in case titles: access modes, mapping types, protections, results.
 */
import { MAP_SHARED, O_ACCMODE, O_RDONLY, O_RDWR, O_WRONLY, PROT_EXEC, PROT_READ, PROT_WRITE, errnoName } from "@mmsim/mm-types";

/** "O_RDONLY", "O_WRONLY", "O_RDWR", or "access mode 3". */
export function accModeName(accMode: number): string {
  if (accMode === O_RDONLY) return "O_RDONLY";
  if (accMode === O_WRONLY) return "O_WRONLY";
  if (accMode === O_RDWR) return "O_RDWR";
  return accMode === O_ACCMODE ? "access mode 3" : `access mode ${accMode}`;
}

/** "PROT_READ|PROT_WRITE" or "PROT_NONE". */
export function protName(prot: number): string {
  const parts: string[] = [];
  if (prot & PROT_READ) parts.push("PROT_READ");
  if (prot & PROT_WRITE) parts.push("PROT_WRITE");
  if (prot & PROT_EXEC) parts.push("PROT_EXEC");
  return parts.length === 0 ? "PROT_NONE" : parts.join("|");
}

/** "MAP_SHARED" or "MAP_PRIVATE". */
export function mapTypeName(flags: number): string {
  return flags & MAP_SHARED ? "MAP_SHARED" : "MAP_PRIVATE";
}

/** "maps" for 0, else the errno's name. */
export function resultName(r: number): string {
  return r >= 0 ? "maps" : (errnoName(r) ?? String(r));
}
