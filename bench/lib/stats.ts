// The statistics every bench here reports: the median of alternating rounds, and beside it the
// spread (min/median/max) so a reader sees how much one noisy round could have moved it.

/** Median (mean of the middle two for an even count); throws on an empty list. */
export function median(xs: number[]): number {
    if (xs.length === 0) throw new Error("median of no samples");
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export interface Spread { min: number; median: number; max: number }

/** min/median/max of the samples, rounded to `digits` decimals (the results files' precision). */
export function spread(xs: number[], digits = 3): Spread {
    const r = (x: number) => Number(x.toFixed(digits));
    return { min: r(Math.min(...xs)), median: r(median(xs)), max: r(Math.max(...xs)) };
}

/**
 * The order of the rows in round `i` (0-based) of `n` rows: rotated by one every round, so
 * each row runs first, middle and last equally often, and reversed every other cycle, so no
 * row always follows the same neighbour. Drift (another job, page cache, thermal) then hits
 * every row alike.
 */
export function roundOrder(i: number, n: number): number[] {
    const rotated = Array.from({ length: n }, (_, k) => (k + i) % n);
    return Math.floor(i / n) % 2 ? rotated.reverse() : rotated;
}
