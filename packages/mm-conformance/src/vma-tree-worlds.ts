/**
 * Small helpers that build a fresh VMA tree per test from a drawn layout, and read it back.
 * Nothing here is shared between tests: every call builds a new world.
 */
import { ENOMEM, ENOSYS, PAGE_SHIFT } from "@mmsim/mm-types";
import type { VmUnmappedAreaInfo, VmaTree, VmaTreeFactory, VmaTreeOptions } from "@mmsim/mm-types";

/** One VMA of a drawn layout: name (the value), start, end, and optional vm_flags. Its id is its index. */
export type LayoutVma = readonly [name: string, vmStart: number, vmEnd: number, vmFlags?: number];

/** Builds a tree holding `layout` (pgoff = start >> PAGE_SHIFT, id = index) and checks it. */
export function build(factory: VmaTreeFactory, layout: readonly LayoutVma[], opts: VmaTreeOptions = {}): VmaTree<string> {
  const tree = factory<string>(opts);
  layout.forEach(([name, start, end, flags = 0], id) => {
    tree.insert(start, end, start / 2 ** PAGE_SHIFT, flags, id, name);
  });
  tree.assertValid();
  return tree;
}

/** The values met by a fresh cursor over [start, end), in order. */
export function names<T>(tree: VmaTree<T>, start = 0, end = 2 ** 53): T[] {
  const out: T[] = [];
  const cur = tree.cursor();
  cur.reset(start, end);
  for (let v = cur.next(); v !== undefined; v = cur.next()) out.push(v);
  return out;
}

/** A gap request with the fields a test does not care about zeroed. */
export function area(length: number, lowLimit: number, highLimit: number, alignMask = 0, alignOffset = 0): VmUnmappedAreaInfo {
  return { flags: 0, length, lowLimit, highLimit, alignMask, alignOffset };
}

/** Formats a table value for a test title: numbers in hex, errors by name, undefined as "none". */
export function show(v: unknown): string {
  if (typeof v === "number") return v === -ENOMEM ? "-ENOMEM" : v === -ENOSYS ? "-ENOSYS" : v < 0 ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
  if (v === undefined) return "none";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Prefixes every row of an `it.each` table with a readable label of its values (for a "%s" title). */
export function labelled<R extends readonly unknown[]>(rows: readonly R[]): (readonly [string, ...R])[] {
  return rows.map((r) => [r.map(show).join(", "), ...r] as const);
}
