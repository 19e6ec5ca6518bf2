// `gc()` whether or not the process was started with --expose-gc (run.mjs passes it; running a
// bench file directly with plain `node` still works).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** @returns {(options?: { type?: 'major' | 'minor' }) => void} */
function findGc() {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc');
}

export const gc = findGc();

/** A full collection, twice so that objects freed by finalisation in the first pass go too. */
export function fullGc() {
  gc();
  gc();
}

/** Empties the young generation so a measurement does not pay for the previous one's garbage. */
export function minorGc() {
  gc({ type: 'minor' });
}
