import { fmix32 } from '../internal/fmix32.js';

const objectIds = new WeakMap<object, number>();
let nextId = 1;

const floatView = new Float64Array(1);
const floatWords = new Int32Array(floatView.buffer);

/**
 * A 32-bit hash of a cache key, for policies that need key identity (frequency sketches, ghost
 * lists). Equal keys (by `Map` semantics) hash equally: strings by content (FNV-1a), numbers by
 * value, objects and symbols by identity (an id assigned on first sight, held weakly for objects).
 */
export function hashKey(key: unknown): number {
  switch (typeof key) {
    case 'string': {
      let h = 0x811c9dc5;
      for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
      return fmix32(h);
    }
    case 'number':
      if ((key | 0) === key) return fmix32(key);
      floatView[0] = key;
      return fmix32(floatWords[0]! ^ Math.imul(floatWords[1]!, 0x9e3779b1));
    case 'bigint':
      return hashKey(key.toString());
    case 'boolean':
      return key ? 0x5bd1e995 : 0x1b873593;
    case 'symbol': {
      // registered symbols cannot be weak keys; they are equal by their registry key anyway
      const registered = Symbol.keyFor(key);
      if (registered !== undefined) return hashKey(`\0symbol:${registered}`);
      return identity(key as unknown as object);
    }
    default:
      return identity(key as object);
  }
}

function identity(obj: object): number {
  let id = objectIds.get(obj);
  if (id === undefined) objectIds.set(obj, (id = nextId++));
  return fmix32(id);
}
