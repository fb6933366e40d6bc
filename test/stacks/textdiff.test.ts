import { strict as assert } from "assert";
import fc from "fast-check";
import { diffLines, unifiedDiff, type DiffLine } from "../../stacks/stackfile/textdiff";

/** Length of a longest common subsequence by the textbook table: the minimality reference. */
function lcsLength(a: readonly string[], b: readonly string[]): number {
  let row = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    const next = [0];
    b.forEach((y, j) => next.push(x === y ? row[j] + 1 : Math.max(row[j + 1], next[j])));
    row = next;
  }
  return row[b.length];
}

/** Asserts `diff` turns `before` into `after`, numbering each side's lines 1, 2, 3, ... */
function assertEditScript(diff: DiffLine[], before: string, after: string): void {
  const oldSide = diff.filter((l) => l.op !== "+");
  const newSide = diff.filter((l) => l.op !== "-");
  assert.deepEqual(oldSide.map((l) => l.text), before.split("\n"), "kept and removed lines rebuild the old text");
  assert.deepEqual(newSide.map((l) => l.text), after.split("\n"), "kept and added lines rebuild the new text");
  assert.deepEqual(oldSide.map((l) => l.oldLine), oldSide.map((_, k) => k + 1), "old line numbers run 1, 2, 3, ...");
  assert.deepEqual(newSide.map((l) => l.newLine), newSide.map((_, k) => k + 1), "new line numbers run 1, 2, 3, ...");
  for (const l of diff) {
    if (l.op === "-") assert.equal(l.newLine, undefined);
    if (l.op === "+") assert.equal(l.oldLine, undefined);
  }
}

const changedCount = (diff: DiffLine[]) => diff.filter((l) => l.op !== " ").length;

/** Texts over a few short lines (empty ones included), so lines repeat and trailing newlines vary. */
const text = (alphabet: string[], maxLines: number) => fc.array(fc.constantFrom(...alphabet), { maxLength: maxLines }).map((lines) => lines.join("\n"));

/** A text and a copy with a few lines replaced, inserted or deleted: the shape of a config edit. */
const edited = fc
  .record({
    base: fc.array(fc.constantFrom("a:", "  b: 1", "  b: 2", "  c: x", "", "- d"), { minLength: 0, maxLength: 200 }),
    edits: fc.array(fc.record({ at: fc.nat(), kind: fc.constantFrom("replace", "insert", "delete"), line: fc.constantFrom("a:", "  b: 1", "  b: 3", "new") }), { maxLength: 12 }),
  })
  .map(({ base, edits }) => {
    const lines: string[] = [...base];
    for (const e of edits) {
      const at = lines.length === 0 ? 0 : e.at % lines.length;
      if (e.kind === "insert" || lines.length === 0) lines.splice(at, 0, e.line);
      else if (e.kind === "replace") lines[at] = e.line;
      else lines.splice(at, 1);
    }
    return { before: base.join("\n"), after: lines.join("\n"), edits: edits.length };
  });

/** A stack-file-like text: one block per model, each line naming its model except a few shared ones. */
function fleetText(models: number, blue: (i: number) => { weight: number; replicas: number }): string {
  const lines: string[] = [];
  for (let i = 0; i < models; i++) {
    const { weight, replicas } = blue(i);
    lines.push(`  model-${i}:`, `    image: registry.example/model-${i}:v1`, "    tracks:", "      blue:", `        weight: ${weight}`, `        replicas: ${replicas}`, "      green:", `        weight: ${100 - weight}`, "        replicas: 2");
    for (let k = 0; k < 21; k++) lines.push(`    setting-${k}: model-${i}`);
  }
  return lines.join("\n");
}

describe("textdiff", () => {
  describe("diffLines", () => {
    it("is an edit script from before to after with the fewest changed lines (small alphabets)", () => {
      fc.assert(
        fc.property(text(["a", "b", "c", ""], 24), text(["a", "b", "c", ""], 24), (before, after) => {
          const diff = diffLines(before, after);
          assertEditScript(diff, before, after);
          const a = before.split("\n");
          const b = after.split("\n");
          assert.equal(changedCount(diff), a.length + b.length - 2 * lcsLength(a, b));
        }),
        { numRuns: 2000 },
      );
    });

    it("is an edit script with the fewest changed lines for edited config-like texts", () => {
      fc.assert(
        fc.property(edited, ({ before, after, edits }) => {
          const diff = diffLines(before, after);
          assertEditScript(diff, before, after);
          const a = before.split("\n");
          const b = after.split("\n");
          assert.equal(changedCount(diff), a.length + b.length - 2 * lcsLength(a, b));
          assert.ok(changedCount(diff) <= 2 * edits, "never more changes than the edits made");
        }),
        { numRuns: 500 },
      );
    });

    it("lists a changed block's removals before its additions", () => {
      fc.assert(
        fc.property(text(["a", "b", "c"], 30), text(["a", "b", "c"], 30), (before, after) => {
          const ops = diffLines(before, after)
            .map((l) => l.op)
            .join("");
          assert.doesNotMatch(ops, /\+-/, ops);
        }),
        { numRuns: 1000 },
      );
    });

    it("keeps every line of identical texts", () => {
      assert.deepEqual(diffLines("a\nb\n", "a\nb\n"), [
        { op: " ", text: "a", oldLine: 1, newLine: 1 },
        { op: " ", text: "b", oldLine: 2, newLine: 2 },
        { op: " ", text: "", oldLine: 3, newLine: 3 },
      ]);
    });

    it("handles empty texts on either side", () => {
      assert.deepEqual(diffLines("", ""), [{ op: " ", text: "", oldLine: 1, newLine: 1 }]);
      assert.deepEqual(diffLines("", "a\nb"), [
        { op: "-", text: "", oldLine: 1 },
        { op: "+", text: "a", newLine: 1 },
        { op: "+", text: "b", newLine: 2 },
      ]);
      assert.deepEqual(diffLines("a\n", ""), [
        { op: "-", text: "a", oldLine: 1 },
        { op: " ", text: "", oldLine: 2, newLine: 1 },
      ]);
    });

    it("shows a dropped or added final newline as one empty line", () => {
      assert.deepEqual(
        diffLines("a\nb\n", "a\nb").filter((l) => l.op !== " "),
        [{ op: "-", text: "", oldLine: 3 }],
      );
      assert.deepEqual(
        diffLines("a\nb", "a\nb\n").filter((l) => l.op !== " "),
        [{ op: "+", text: "", newLine: 3 }],
      );
    });

    it("reports exactly the edited lines when every model of a 30,000-line file changes", () => {
      // 1,000 models x 30 lines; three lines of every model but the first change, to the values
      // the first model has in both texts, so the new lines take part in the search. A table of
      // all line pairs would need 900 million cells here.
      const before = fleetText(1000, (i) => (i === 0 ? { weight: 80, replicas: 3 } : { weight: 90, replicas: 2 }));
      const after = fleetText(1000, () => ({ weight: 80, replicas: 3 }));
      const diff = diffLines(before, after);
      assertEditScript(diff, before, after);
      assert.equal(changedCount(diff), 6 * 999);
      const removed = diff.filter((l) => l.op === "-").map((l) => l.text.trim());
      assert.deepEqual(new Set(removed), new Set(["weight: 90", "replicas: 2", "weight: 10"]));
    });
  });

  describe("unifiedDiff", () => {
    const numbered = (n: number) => Array.from({ length: n }, (_, k) => `line ${k + 1}`);

    it("is empty exactly when the texts are equal", () => {
      fc.assert(
        fc.property(text(["a", "b", ""], 12), text(["a", "b", ""], 12), (before, after) => {
          assert.equal(unifiedDiff(before, after, "f") === "", before === after);
        }),
      );
      const big = numbered(5000).join("\n");
      assert.equal(unifiedDiff(big, big, "Pulumi.prod.yaml"), "");
    });

    it("shows one changed line of a large file as one hunk with two lines of context", () => {
      const lines = numbered(5000);
      const after = [...lines];
      after[2499] = "line 2500 changed";
      assert.equal(
        unifiedDiff(lines.join("\n"), after.join("\n"), "Pulumi.prod.yaml"),
        ["--- Pulumi.prod.yaml", "+++ Pulumi.prod.yaml (proposed)", "@@ line 2498 @@", " line 2498", " line 2499", "-line 2500", "+line 2500 changed", " line 2501", " line 2502"].join("\n"),
      );
    });

    it("merges changes four lines apart into one hunk and splits them five apart", () => {
      const lines = numbered(40);
      const change = (...at: number[]) => lines.map((l, k) => (at.includes(k + 1) ? `${l} changed` : l)).join("\n");
      const hunks = (t: string) => t.split("\n").filter((l) => l.startsWith("@@"));
      assert.deepEqual(hunks(unifiedDiff(lines.join("\n"), change(10, 15), "f")), ["@@ line 8 @@"]);
      assert.deepEqual(hunks(unifiedDiff(lines.join("\n"), change(10, 16), "f")), ["@@ line 8 @@", "@@ line 14 @@"]);
    });

    it("clips context at the start and end of the file and numbers a hunk of additions by its new line", () => {
      assert.equal(unifiedDiff("a\nb", "x\na\nb", "f"), ["--- f", "+++ f (proposed)", "@@ line 1 @@", "+x", " a", " b"].join("\n"));
      assert.equal(unifiedDiff("a\nb\n", "a\nb", "f"), ["--- f", "+++ f (proposed)", "@@ line 1 @@", " a", " b", "-"].join("\n"));
    });

    it("shows every change, with at most two context lines at a hunk's edges and four between changes", () => {
      fc.assert(
        fc.property(edited, ({ before, after }) => {
          const body = unifiedDiff(before, after, "f").split("\n").slice(2);
          const hunks: string[][] = [];
          for (const line of body) {
            if (line.startsWith("@@")) hunks.push([]);
            else hunks[hunks.length - 1].push(line[0]);
          }
          const shownChanges = hunks.flat().filter((op) => op !== " ").length;
          assert.equal(shownChanges, changedCount(diffLines(before, after)));
          for (const hunk of hunks) {
            const ops = hunk.join("");
            assert.match(ops, /^ {0,2}[-+]/, ops);
            assert.match(ops, /[-+] {0,2}$/, ops);
            assert.doesNotMatch(ops, /[-+] {5,}[-+]/, ops);
          }
        }),
        { numRuns: 300 },
      );
    });
  });
});
