// A line diff for showing config edits (pure). Stack files are small, so a plain
// longest-common-subsequence table is fast enough and easy to trust.

export type DiffLine = { op: " " | "-" | "+"; text: string; oldLine?: number; newLine?: number };

export function diffLines(before: string, after: string): DiffLine[] {
  const a = before.split("\n");
  const b = after.split("\n");
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) out.push({ op: " ", text: a[i], oldLine: ++i, newLine: ++j });
    else if (i < a.length && (j === b.length || lcs[i + 1][j] >= lcs[i][j + 1])) out.push({ op: "-", text: a[i], oldLine: ++i });
    else out.push({ op: "+", text: b[j], newLine: ++j });
  }
  return out;
}

/** Changed lines with `context` lines around them, as `-`/`+` prefixed text with hunk headers. */
export function unifiedDiff(before: string, after: string, name: string, context = 2): string {
  const lines = diffLines(before, after);
  const changed = lines.map((l, k) => (l.op !== " " ? k : -1)).filter((k) => k >= 0);
  if (changed.length === 0) return "";
  const keep = new Set(changed.flatMap((k) => Array.from({ length: 2 * context + 1 }, (_, d) => k - context + d)));
  const out = [`--- ${name}`, `+++ ${name} (proposed)`];
  let previous = -2;
  lines.forEach((l, k) => {
    if (!keep.has(k)) return;
    if (k !== previous + 1) out.push(`@@ line ${l.oldLine ?? l.newLine} @@`);
    out.push(`${l.op}${l.text}`);
    previous = k;
  });
  return out.join("\n");
}
