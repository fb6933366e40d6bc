// diffObjects compares two renders in place (sameJson) rather than as JSON strings: the same
// answer as comparing JSON.stringify of each object, checked here against JSON.stringify itself.
import { strict as assert } from "assert";
import fc from "fast-check";
import type { Manifest } from "../../components/kube";
import { diffObjects, sameJson } from "../../stacks/render/objectdiff";

const byJson = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);

/** A copy of a JSON-like value with one edit somewhere in it (or none, when there is nothing to edit). */
function edited(v: unknown, pick: number, edit: number): unknown {
  if (typeof v !== "object" || v === null) return [v, 0, null, "x", undefined, 1.5, -0][edit % 7];
  const keys = Object.keys(v);
  if (keys.length === 0) return Array.isArray(v) ? [null] : { k: 1 };
  const copy: any = Array.isArray(v) ? [...v] : { ...v };
  const k = keys[pick % keys.length];
  if (edit % 5 === 0) {
    // Same entries, a key moved to the end: JSON is order-sensitive, so is sameJson.
    const value = copy[k];
    delete copy[k];
    copy[k] = value;
  } else copy[k] = edited(copy[k], pick >> 1, edit >> 1);
  return copy;
}

describe("objectdiff: sameJson is JSON equality without the strings", () => {
  it("agrees with JSON.stringify on random pairs, copies and edited copies (property)", () => {
    const value = fc.oneof(fc.jsonValue(), fc.anything({ withBoxedValues: true, withMap: true, withSet: true, withDate: true, withTypedArray: true, withSparseArray: true }));
    fc.assert(
      fc.property(value, value, fc.nat(), fc.nat(), (a, b, pick, edit) => {
        for (const [x, y] of [
          [a, b],
          [a, structuredCloneOrSelf(a)],
          [a, edited(a, pick, edit)],
        ]) {
          let expected: boolean;
          try {
            expected = byJson(x, y);
          } catch {
            return; // JSON.stringify throws (a bigint): no JSON answer to agree with.
          }
          assert.equal(sameJson(x, y), expected, `${String(JSON.stringify(x))} vs ${String(JSON.stringify(y))}`);
        }
      }),
      { numRuns: 2000, seed: 18 },
    );
  });

  it("the values JSON writes its own way", () => {
    const cases: [unknown, unknown, boolean][] = [
      [{ a: 1, b: 2 }, { b: 2, a: 1 }, false], // key order
      [{ a: 1, b: undefined }, { a: 1 }, true], // an undefined property is left out
      [[undefined], [null], true], // and is null in an array
      [[() => 1], [null], true],
      [{ f: () => 1 }, {}, true],
      [NaN, null, true],
      [Infinity, NaN, true],
      [[NaN], [NaN], true],
      [0, -0, true],
      [new Date(0), "1970-01-01T00:00:00.000Z", true], // toJSON
      [{ d: new Date(0) }, { d: new Date(1) }, false],
      [[], {}, false],
      [{}, new Map([[1, 2]]), true],
      [[1, 2], [1, 2, 3], false],
      [new String("ab"), { 0: "a", 1: "b" }, false], // a boxed primitive is its value
      [[new Number(1)], [1], true],
      [{ a: { b: [1, { c: "x" }] } }, { a: { b: [1, { c: "x" }] } }, true],
      [{ a: { b: [1, { c: "x" }] } }, { a: { b: [1, { c: "y" }] } }, false],
    ];
    for (const [x, y, same] of cases) {
      assert.equal(byJson(x, y), same, `the case itself: ${String(JSON.stringify(x))} vs ${String(JSON.stringify(y))}`);
      assert.equal(sameJson(x, y), same, `${String(JSON.stringify(x))} vs ${String(JSON.stringify(y))}`);
    }
  });

  it("diffObjects: added, removed and changed by kind and name; an unchanged copy is not changed", () => {
    const o = (kind: string, name: string, spec: unknown): Manifest => ({ apiVersion: "v1", kind, metadata: { name, namespace: "ml" }, spec }) as Manifest;
    const before = [o("Service", "a", { port: 80 }), o("Service", "b", { port: 80 }), o("ConfigMap", "c", { x: [1, 2] })];
    const after = [o("Service", "a", { port: 81 }), o("ConfigMap", "c", { x: [1, 2] }), o("Service", "d", {})];
    assert.deepEqual(diffObjects(before, after), { added: ["Service ml/d"], removed: ["Service ml/b"], changed: ["Service ml/a"] });
    assert.deepEqual(diffObjects(before, structuredClone(before)), { added: [], removed: [], changed: [] });
  });
});

function structuredCloneOrSelf(v: unknown): unknown {
  try {
    return structuredClone(v);
  } catch {
    return v; // functions and symbols cannot be cloned
  }
}
