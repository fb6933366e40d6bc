import { strict as assert } from "assert";
import fc from "fast-check";
import { editDistance, nearest } from "../../components/config/suggest";

const FC = { numRuns: 300, seed: 7 };
const word = fc.string({ maxLength: 12 });
const insert = (s: string, i: number, c: string) => s.slice(0, i) + c + s.slice(i);

describe("edit distance (for 'did you mean' hints)", () => {
  it("counts insertions, deletions and substitutions", () => {
    assert.equal(editDistance("modelship", "modelship"), 0);
    assert.equal(editDistance("modelshp", "modelship"), 1);
    assert.equal(editDistance("modelships", "modelship"), 1);
    assert.equal(editDistance("Modelship", "modelship"), 1);
    assert.equal(editDistance("wieght", "weight"), 2);
    assert.equal(editDistance("", "abc"), 3);
    assert.equal(editDistance("kitten", "sitting"), 3);
    assert.equal(editDistance("kubernetes", "modelship"), 9);
  });

  it("is a metric: zero only for equal words, symmetric, and obeys the triangle inequality", () => {
    fc.assert(
      fc.property(word, word, word, (a, b, c) => {
        assert.equal(editDistance(a, b) === 0, a === b);
        assert.equal(editDistance(a, b), editDistance(b, a));
        assert.ok(editDistance(a, c) <= editDistance(a, b) + editDistance(b, c));
      }),
      FC,
    );
  });

  it("lies between the difference of the lengths and the longer length", () => {
    fc.assert(
      fc.property(word, word, (a, b) => {
        const d = editDistance(a, b);
        assert.ok(d >= Math.abs(a.length - b.length) && d <= Math.max(a.length, b.length), `${JSON.stringify(a)} ${JSON.stringify(b)}: ${d}`);
      }),
      FC,
    );
  });

  it("one insertion, deletion or substitution is distance at most 1", () => {
    fc.assert(
      fc.property(word, fc.nat(), fc.string({ minLength: 1, maxLength: 1 }), (a, n, c) => {
        const i = a.length === 0 ? 0 : n % (a.length + 1);
        assert.ok(editDistance(a, insert(a, i, c)) === 1);
        if (a.length > 0) {
          const j = n % a.length;
          assert.ok(editDistance(a, a.slice(0, j) + a.slice(j + 1)) === 1);
          assert.ok(editDistance(a, a.slice(0, j) + c + a.slice(j + 1)) <= 1);
        }
      }),
      FC,
    );
  });
});

describe("nearest known word", () => {
  const KEYS = ["version", "image", "modelUri", "weight", "retired", "rolledBack", "peakWeight", "metrics"];

  it("names the closest candidate within reach, and nothing for a word far from all of them", () => {
    assert.equal(nearest("wieght", KEYS), "weight");
    assert.equal(nearest("modeluri", KEYS), "modelUri");
    assert.equal(nearest("namspace", ["namespace", "models", "router"]), "namespace");
    assert.equal(nearest("replicas", KEYS), undefined);
    assert.equal(nearest("x", KEYS), undefined);
  });

  it("never suggests a word that is further away than another candidate", () => {
    fc.assert(
      fc.property(word, fc.array(word, { maxLength: 6 }), (w, candidates) => {
        const n = nearest(w, candidates);
        if (n === undefined) return;
        assert.ok(candidates.includes(n));
        for (const c of candidates) assert.ok(editDistance(w, n) <= editDistance(w, c));
      }),
      FC,
    );
  });
});
