/**
 * Growing the per-slot arrays of a {@link Cache} (keys and values, and the typed arrays of hashes and
 * sizes) when an unbounded cache outgrows its capacity.
 */

/** A copy of `from` with room for `capacity` slots, the new ones `undefined`. */
export function copyInto<T>(from: (T | undefined)[], capacity: number): (T | undefined)[] {
  const to = new Array<T | undefined>(capacity).fill(undefined);
  for (let i = 0; i < from.length; i++) to[i] = from[i];
  return to;
}

/** A copy of the typed array with room for `capacity` slots; `undefined` when the cache keeps none. */
export function growTyped<T extends Int32Array | Float64Array>(
  array: T | undefined,
  capacity: number,
  Type: { new (n: number): T },
): T | undefined {
  if (array === undefined) return undefined;
  const grown = new Type(capacity);
  grown.set(array);
  return grown;
}
