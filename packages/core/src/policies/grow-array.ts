/** The typed arrays that policies index by slot or by ghost node. */
export type SlotArray = Int32Array | Uint32Array | Uint8Array | Float64Array;

/**
 * A copy of `array` with room for `length` elements, or `array` itself when it is long enough.
 * New elements are `fill` (zero by default). Policies call it from `resize`, never per operation.
 */
export function growArray<T extends SlotArray>(array: T, length: number, fill = 0): T {
  if (length <= array.length) return array;
  const ctor = array.constructor as new (length: number) => T;
  const next = new ctor(length);
  next.set(array as ArrayLike<number> & T);
  if (fill !== 0) next.fill(fill, array.length);
  return next;
}
