// "Did you mean ...?" for misspelt config keys and namespaces (pure).

/**
 * The Levenshtein distance: the fewest single-character insertions, deletions and substitutions
 * that turn `a` into `b`. Case-sensitive (config keys are), by UTF-16 code unit.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}

/** How far a word may be from a suggestion: 2 edits, or a third of the word when it is longer. */
export const suggestionReach = (word: string) => Math.max(2, Math.floor(word.length / 3));

/**
 * The candidate closest to `word`, when it is within `reach` edits; the first of equally close
 * ones. Undefined when nothing is that close: a far-fetched suggestion misleads more than none.
 */
export function nearest(word: string, candidates: Iterable<string>, reach = suggestionReach(word)): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance <= reach && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}
