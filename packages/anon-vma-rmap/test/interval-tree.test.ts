import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { KernelBug } from "@mmsim/mm-types";
import { IntervalNodePool, IntervalTree, NIL } from "../src/index.js";

interface E {
  readonly name: string;
}
const e = (name: string): E => ({ name });
const names = (it: Iterable<E>): string[] => [...it].map((x) => x.name);

describe("IntervalTree", () => {
  it("finds the entries meeting a range, in order of first", () => {
    //   0         10        20        30
    //   [a.....]
    //        [b.......]
    //                  [c..]
    //                            [d]
    const t = new IntervalTree<E>();
    t.insert(e("c"), 18, 21);
    t.insert(e("a"), 0, 7);
    t.insert(e("d"), 28, 28);
    t.insert(e("b"), 5, 13);
    t.assertValid();
    expect(names(t.intersecting(6, 6))).toEqual(["a", "b"]);
    expect(names(t.intersecting(8, 17))).toEqual(["b"]);
    expect(names(t.intersecting(14, 17))).toEqual([]);
    expect(names(t.intersecting(13, 28))).toEqual(["b", "c", "d"]);
    expect(names(t.intersecting(29, 100))).toEqual([]);
    expect(names(t)).toEqual(["a", "b", "c", "d"]);
    expect(t.countIntersecting(0, 100)).toBe(4);
  });

  it("keeps entries with the same first in insertion order, also after removals", () => {
    const t = new IntervalTree<E>();
    const xs = Array.from({ length: 40 }, (_, i) => e(`x${i}`));
    for (const x of xs) t.insert(x, 7, 7 + (xs.indexOf(x) % 5));
    for (let i = 0; i < 40; i += 3) t.remove(xs[i]!);
    t.assertValid();
    expect(names(t.intersecting(7, 7))).toEqual(xs.filter((_, i) => i % 3 !== 0).map((x) => x.name));
  });

  it("insertAfter puts an entry right behind its twin (dup_mmap's vma_interval_tree_insert_after)", () => {
    const t = new IntervalTree<E>();
    const [a, b, c, child] = [e("a"), e("b"), e("c"), e("child")];
    t.insert(a, 4, 8);
    const nb = t.insert(b, 4, 8);
    t.insert(c, 4, 8);
    t.insertAfter(child, 4, 9, nb);
    t.assertValid();
    expect(names(t)).toEqual(["a", "b", "child", "c"]);
    expect(names(t.intersecting(9, 9))).toEqual(["child"]);
    expect(() => t.insertAfter(e("z"), 5, 9, nb)).toThrow(KernelBug);
  });

  it("walks with iterFirst/iterNext without allocating", () => {
    const t = new IntervalTree<E>();
    for (let i = 0; i < 100; i++) t.insert(e(`${i}`), i * 10, i * 10 + 15);
    const seen: string[] = [];
    for (let n = t.iterFirst(95, 120); n !== NIL; n = t.iterNext(n, 95, 120)) seen.push(t.entryAt(n).name);
    expect(seen).toEqual(["8", "9", "10", "11", "12"]);
  });

  it("refuses bad ranges, double inserts, foreign nodes and changes during an iteration", () => {
    const pool = new IntervalNodePool<E>();
    const t = new IntervalTree<E>({ pool });
    const u = new IntervalTree<E>({ pool, byIdentity: false });
    const a = e("a");
    expect(() => t.insert(a, 5, 4)).toThrow(/bad range/);
    expect(() => t.insert(a, NaN, 4)).toThrow(/bad range/);
    const na = t.insert(a, 1, 2);
    expect(() => t.insert(a, 1, 2)).toThrow(/twice/);
    expect(() => u.removeNode(na)).toThrow(/not a node of this tree/);
    expect(() => u.remove(a)).toThrow(/byIdentity/);
    expect(t.remove(e("stranger"))).toBe(false);
    t.insert(e("b"), 1, 3);
    expect(() => {
      for (const x of t.intersecting(0, 9)) t.remove(x);
    }).toThrow(/changed during an iteration/);
  });

  it("assertValid notices a corrupted augmentation", () => {
    const t = new IntervalTree<E>();
    for (let i = 0; i < 10; i++) t.insert(e(`${i}`), i, i + 1);
    const n = t.iterFirst(0, 0);
    t.pool.key[n * 4 + 2] = 1000; // node n's subtree-last word
    expect(() => t.assertValid()).toThrow(/subtree last/);
  });

  it("trees sharing a pool keep their nodes apart and give them back", () => {
    const pool = new IntervalNodePool<E>(2);
    const trees = [0, 1, 2].map(() => new IntervalTree<E>({ pool }));
    const all: [IntervalTree<E>, E][] = [];
    for (let i = 0; i < 300; i++) {
      const t = trees[i % 3]!;
      const x = e(`${i}`);
      t.insert(x, i % 17, (i % 17) + (i % 5));
      all.push([t, x]);
    }
    for (const t of trees) t.assertValid();
    pool.assertValid();
    expect(pool.nodesInUse).toBe(300);
    for (const [t, x] of all) t.remove(x);
    pool.assertValid();
    expect(pool.nodesInUse).toBe(0);
    for (const t of trees) expect(t.isEmpty()).toBe(true);
  });

  it("removeNode refuses handles that are not live nodes of the tree", () => {
    const t = new IntervalTree<E>({ byIdentity: false });
    const n = t.insert(e("a"), 1, 2);
    for (const bad of [NIL, -1, n + 0.5, 1e9, NaN]) expect(() => t.removeNode(bad)).toThrow(/not a node of this tree/);
    t.removeNode(n);
    expect(() => t.removeNode(n)).toThrow(/not a node of this tree/);
    t.assertValid();
  });

  it("keeps the subtree maxima right through large trees, twins and removals in every order", () => {
    // Removals of the maximum interval anywhere in the tree, of nodes with two children and of
    // twins placed with insertAfter, with erase's propagation stopping early where a maximum
    // comes out unchanged: every maximum must still be right (assertValid recomputes them all).
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 500 }), fc.boolean()), { minLength: 1, maxLength: 300 }),
        fc.array(fc.nat(), { maxLength: 300 }),
        (inserts, removals) => {
          const pool = new IntervalNodePool<E>(1);
          const t = new IntervalTree<E>({ pool, byIdentity: false });
          const other = new IntervalTree<E>({ pool, byIdentity: false });
          const live: { n: number; first: number; last: number }[] = [];
          for (const [i, [first, len, twin]] of inserts.entries()) {
            const prev = live.find((m) => m.first === first);
            const x = e(`${i}`);
            const n = twin && prev !== undefined ? t.insertAfter(x, first, first + len, prev.n) : t.insert(x, first, first + len);
            live.push({ n, first, last: first + len });
            other.insert(e(`o${i}`), first, first);
          }
          t.assertValid();
          for (const r of removals) {
            if (live.length === 0) break;
            const [victim] = live.splice(r % live.length, 1);
            t.removeNode(victim!.n);
            t.assertValid();
            const q = r % 600;
            const want = live.filter((m) => m.first <= q && q <= m.last).length;
            expect(t.countIntersecting(q, q)).toBe(want);
          }
          other.assertValid();
          pool.assertValid();
          expect(t.size).toBe(live.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  type Op = { kind: "insert"; first: number; len: number } | { kind: "remove"; pick: number } | { kind: "query"; first: number; len: number };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("insert" as const), first: fc.integer({ min: 0, max: 200 }), len: fc.integer({ min: 0, max: 30 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("query" as const), first: fc.integer({ min: -5, max: 240 }), len: fc.integer({ min: 0, max: 40 }) }) },
  );

  it("matches a sorted array under random inserts, removals and queries", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 150 }), (ops) => {
        const t = new IntervalTree<E>({ pool: new IntervalNodePool<E>(1) });
        const model: { x: E; first: number; last: number }[] = [];
        let id = 0;
        for (const op of ops) {
          if (op.kind === "insert") {
            const x = e(`${id++}`);
            t.insert(x, op.first, op.first + op.len);
            model.push({ x, first: op.first, last: op.first + op.len });
          } else if (op.kind === "remove" && model.length > 0) {
            const [victim] = model.splice(op.pick % model.length, 1);
            expect(t.remove(victim!.x)).toBe(true);
          } else if (op.kind === "query") {
            const last = op.first + op.len;
            const want = model
              .map((m, i) => ({ ...m, i }))
              .filter((m) => m.first <= last && op.first <= m.last)
              .sort((a, b) => a.first - b.first || a.i - b.i)
              .map((m) => m.x.name);
            expect(names(t.intersecting(op.first, last))).toEqual(want);
          }
          t.assertValid();
          t.pool.assertValid();
          expect(t.size).toBe(model.length);
        }
      }),
      { numRuns: 200 },
    );
  });
});
