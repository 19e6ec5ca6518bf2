// Deterministic pseudo-random numbers for workloads, so every run and every implementation sees the
// same key sequences.

/**
 * A seeded generator of floats in [0, 1): a Weyl sequence scrambled by a 32-bit integer mixer.
 * @param {number} seed
 * @returns {() => number}
 */
export function rng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 4294967296;
  };
}

/**
 * A random permutation of `[0, n)` (Fisher-Yates).
 * @param {number} n
 * @param {() => number} random
 * @returns {Uint32Array}
 */
export function permutation(n, random) {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/**
 * Draws `count` ranks in `[0, n)` from a Zipf distribution with exponent `s` (rank 0 most popular).
 * @param {number} n
 * @param {number} s
 * @param {number} count
 * @param {() => number} random
 * @returns {Uint32Array}
 */
export function zipfRanks(n, s, count, random) {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) {
    total += 1 / (r + 1) ** s;
    cdf[r] = total;
  }
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const u = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    out[i] = lo;
  }
  return out;
}
