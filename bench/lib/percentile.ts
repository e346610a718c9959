/**
 * The p-th percentile (nearest rank) of values sorted ascending: the smallest value with at least
 * p % of the values at or below it. Shared by the benches so they all report the same thing.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of no values');
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
