import type { TraceKey } from '../trace.js';

const DECIMAL = /^[+-]?\d+$/;

/**
 * Parses a decimal integer key: a number when it fits a double exactly, else its canonical decimal
 * string (so `"9007199254740993"` and `"+9007199254740993"` are one key). Returns `undefined` when
 * `text` is not a decimal integer. No BigInt is made for keys within 2^53.
 */
export function integerKey(text: string): TraceKey | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const n = Number(text);
  if (Number.isSafeInteger(n)) return n;
  return BigInt(text).toString();
}
