/**
 * Cache sizes to try when none are given: 1/16, 1/8, 1/4 and 1/2 of the distinct keys, rounded to
 * two significant digits, at least 1, duplicates dropped.
 */
export function defaultSizes(uniqueKeys: number): number[] {
  const sizes = [16, 8, 4, 2].map((div) => roundTo2Digits(Math.max(1, uniqueKeys / div)));
  return [...new Set(sizes)].sort((a, b) => a - b);
}

function roundTo2Digits(n: number): number {
  const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(n)) - 1);
  return Math.max(1, Math.round(n / magnitude) * magnitude);
}
