// A line diff for showing config edits (pure). A command edits a few nodes of a stack file that
// may describe a thousand models, so the cost follows the size of the edit, not of the file:
// - the common prefix and suffix are trimmed first (one pass; a one-line edit costs O(lines));
// - a line found on only one side of what is left can never be kept, so it is marked changed
//   without a search (a rewrite into new lines stays linear too);
// - the rest goes through Myers' O((N+M)·D) diff, D being the number of changed lines, in its
//   linear-space form (bisect on the "middle snake", recurse on both halves), so memory stays
//   O(N+M) however large D grows.
// The script is minimal (fewest changed lines) like the LCS table this replaced; only a rewrite
// that reorders many lines present on both sides approaches (N+M)·D time.

export type DiffLine = { op: " " | "-" | "+"; text: string; oldLine?: number; newLine?: number };

export function diffLines(before: string, after: string): DiffLine[] {
  const a = before.split("\n");
  const b = after.split("\n");
  const removed = new Uint8Array(a.length);
  const added = new Uint8Array(b.length);
  markChanges(a, b, removed, added);
  // Within each changed block removals come before additions: the block reads as "was, now".
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && removed[i]) out.push({ op: "-", text: a[i], oldLine: ++i });
    else if (j < b.length && added[j]) out.push({ op: "+", text: b[j], newLine: ++j });
    else out.push({ op: " ", text: a[i], oldLine: ++i, newLine: ++j });
  }
  return out;
}

/** Sets removed[i] / added[j] for the lines outside one longest common subsequence of a and b. */
function markChanges(a: readonly string[], b: readonly string[], removed: Uint8Array, added: Uint8Array): void {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  if (start === endA && start === endB) return;

  // Lines become small integers (cheap comparisons); `sides` records where each one occurs.
  const ids = new Map<string, number>();
  const sides: number[] = [];
  const intern = (line: string, side: number) => {
    let id = ids.get(line);
    if (id === undefined) {
      id = sides.length;
      ids.set(line, id);
      sides.push(0);
    }
    sides[id] |= side;
    return id;
  };
  const idsA = Int32Array.from({ length: endA - start }, (_, k) => intern(a[start + k], 1));
  const idsB = Int32Array.from({ length: endB - start }, (_, k) => intern(b[start + k], 2));

  // Only lines present on both sides take part in the search; `at*` maps back to line indexes.
  const keepable = (ids: Int32Array, marks: Uint8Array) => {
    const at: number[] = [];
    ids.forEach((id, k) => {
      if (sides[id] === 3) at.push(start + k);
      else marks[start + k] = 1;
    });
    return { seq: Int32Array.from(at, (index) => ids[index - start]), at };
  };
  const x = keepable(idsA, removed);
  const y = keepable(idsB, added);
  myers(x.seq, y.seq, (k) => (removed[x.at[k]] = 1), (k) => (added[y.at[k]] = 1));
}

/**
 * Myers' linear-space diff of xs and ys: reports every index outside one longest common
 * subsequence. Work is a stack of sub-rectangles, each trimmed of its common ends and then cut
 * at a point of an optimal path (the middle snake), so the edit distance halves at each level.
 */
function myers(xs: Int32Array, ys: Int32Array, remove: (k: number) => void, add: (k: number) => void): void {
  // Furthest-reaching x per diagonal, forward and backward; one pair of arrays serves every level.
  const size = xs.length + ys.length + 4;
  const forward = new Int32Array(size);
  const backward = new Int32Array(size);
  const work = [0, xs.length, 0, ys.length];
  while (work.length > 0) {
    let yEnd = work.pop()!;
    let y0 = work.pop()!;
    let xEnd = work.pop()!;
    let x0 = work.pop()!;
    while (x0 < xEnd && y0 < yEnd && xs[x0] === ys[y0]) {
      x0++;
      y0++;
    }
    while (x0 < xEnd && y0 < yEnd && xs[xEnd - 1] === ys[yEnd - 1]) {
      xEnd--;
      yEnd--;
    }
    if (x0 === xEnd || y0 === yEnd) {
      for (let k = x0; k < xEnd; k++) remove(k);
      for (let k = y0; k < yEnd; k++) add(k);
      continue;
    }
    const [xMid, yMid] = middleSnake(xs, x0, xEnd, ys, y0, yEnd, forward, backward);
    work.push(x0, xMid, y0, yMid, xMid, xEnd, yMid, yEnd);
  }
}

/** Marks a diagonal no path of this many edits can reach inside the rectangle. */
const UNREACHED = -1;

/**
 * A point on an optimal edit path of xs[x0, xEnd) against ys[y0, yEnd), strictly inside the
 * rectangle (both sequences non-empty, ends already trimmed). Paths grow d edits at a time from
 * both corners until a forward and a backward path meet on a diagonal (Myers 1986, section 4b).
 * x counts consumed xs lines from x0; diagonal k holds the points with x - y = k. Points that
 * would leave the rectangle are not kept: they cannot lie on an optimal path.
 */
function middleSnake(xs: Int32Array, x0: number, xEnd: number, ys: Int32Array, y0: number, yEnd: number, forward: Int32Array, backward: Int32Array): [number, number] {
  const n = xEnd - x0;
  const m = yEnd - y0;
  const delta = n - m; // the diagonal of the far corner; backward diagonals are indexed from it
  const odd = (delta & 1) !== 0;
  const maxD = Math.ceil((n + m) / 2);
  const mid = maxD + 1; // array index of diagonal 0
  for (let d = 0; d <= maxD; d++) {
    for (let k = -d; k <= d; k += 2) {
      let x = 0;
      if (d > 0) {
        const down = k < d ? forward[mid + k + 1] : UNREACHED; // one more ys line, x unchanged
        const right = k > -d ? forward[mid + k - 1] : UNREACHED; // one more xs line
        const downInside = down !== UNREACHED && down - k <= m;
        const rightInside = right !== UNREACHED && right + 1 <= n;
        if (downInside && (!rightInside || down >= right + 1)) x = down;
        else if (rightInside) x = right + 1;
        else {
          forward[mid + k] = UNREACHED;
          continue;
        }
      }
      let y = x - k;
      while (x < n && y < m && xs[x0 + x] === ys[y0 + y]) {
        x++;
        y++;
      }
      forward[mid + k] = x;
      const c = k - delta;
      if (odd && c >= -(d - 1) && c <= d - 1 && backward[mid + c] !== UNREACHED && backward[mid + c] <= x) return inside(x0 + x, y0 + y, x0, xEnd, y0, yEnd);
    }
    for (let c = -d; c <= d; c += 2) {
      const k = c + delta;
      let x = n;
      if (d > 0) {
        const left = c < d ? backward[mid + c + 1] : UNREACHED; // one more xs line, from the end
        const up = c > -d ? backward[mid + c - 1] : UNREACHED; // one more ys line, x unchanged
        const leftInside = left !== UNREACHED && left - 1 >= 0;
        const upInside = up !== UNREACHED && up - k >= 0;
        if (leftInside && (!upInside || left - 1 <= up)) x = left - 1;
        else if (upInside) x = up;
        else {
          backward[mid + c] = UNREACHED;
          continue;
        }
      }
      let y = x - k;
      while (x > 0 && y > 0 && xs[x0 + x - 1] === ys[y0 + y - 1]) {
        x--;
        y--;
      }
      backward[mid + c] = x;
      if (!odd && k >= -d && k <= d && forward[mid + k] !== UNREACHED && forward[mid + k] >= x) return inside(x0 + x, y0 + y, x0, xEnd, y0, yEnd);
    }
  }
  throw new Error("internal: the line diff found no path between the two texts");
}

/** Guards the bisection's progress: a cut on a corner would split the same rectangle forever. */
function inside(x: number, y: number, x0: number, xEnd: number, y0: number, yEnd: number): [number, number] {
  if ((x === x0 && y === y0) || (x === xEnd && y === yEnd)) throw new Error("internal: the line diff cut a rectangle at its corner");
  return [x, y];
}

/** Changed lines with `context` lines around them, as `-`/`+` prefixed text with hunk headers. */
export function unifiedDiff(before: string, after: string, name: string, context = 2): string {
  const lines = diffLines(before, after);
  // A line is shown when a change lies within `context` lines of it, before or after: two
  // passes carrying the distance to the nearest change keep this linear for any `context`.
  const shown = new Uint8Array(lines.length);
  let anyChange = false;
  for (let k = 0, last = -Infinity; k < lines.length; k++) {
    if (lines[k].op !== " ") last = k;
    if (k - last <= context) shown[k] = 1;
  }
  for (let k = lines.length - 1, next = Infinity; k >= 0; k--) {
    if (lines[k].op !== " ") {
      next = k;
      anyChange = true;
    }
    if (next - k <= context) shown[k] = 1;
  }
  if (!anyChange) return "";
  const out = [`--- ${name}`, `+++ ${name} (proposed)`];
  let previous = -2;
  lines.forEach((l, k) => {
    if (!shown[k]) return;
    if (k !== previous + 1) out.push(`@@ line ${l.oldLine ?? l.newLine} @@`);
    out.push(`${l.op}${l.text}`);
    previous = k;
  });
  return out.join("\n");
}
