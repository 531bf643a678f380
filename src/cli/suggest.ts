/** "Did you mean": the known names closest to a mistyped one (check ids, threshold names). */

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** Known ids close to `id`: small edit distance, or one contains the other. Best first, at most 3. */
export function suggestIds(id: string, known: readonly string[]): string[] {
  const wanted = id.toLowerCase();
  return known
    .map((k) => ({ k, d: editDistance(wanted, k) }))
    .filter(({ k, d }) => d <= Math.max(2, Math.floor(k.length / 3)) || (wanted.length >= 3 && (k.includes(wanted) || wanted.includes(k))))
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
    .slice(0, 3)
    .map(({ k }) => k);
}
