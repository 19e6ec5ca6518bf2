/**
 * A stable text form of call arguments, for cache keys: equal arguments give equal text, however
 * their objects were built, and values that a function can tell apart give different text.
 */

const TYPED_ARRAY = Object.getPrototypeOf(Uint8Array) as abstract new () => ArrayBufferView;

/** Methods of the built-ins whose state is internal, not in own properties. */
const dateTime = Date.prototype.getTime;
const regExpToString = RegExp.prototype.toString;

/** Thrown for an argument that has no stable key; `path` names where in the argument it is. */
export class UnkeyableArgumentError extends TypeError {
  /** Where the value is, as `'[0].filter.cb'` (empty for the value itself). */
  readonly path: string;
  constructor(path: string, what: string) {
    super(`${path === '' ? 'the value' : path} is ${what}, which has no stable key`);
    this.name = 'TypeError';
    this.path = path;
  }
}

function bytes(view: ArrayBufferView | ArrayBufferLike): string {
  const buffer = ArrayBuffer.isView(view)
    ? Buffer.from(view.buffer, view.byteOffset, view.byteLength)
    : Buffer.from(view);
  return buffer.toString('base64');
}

function number(n: number): string {
  // -0 is 0, as for Map keys (SameValueZero); NaN and the infinities keep their names
  return n === 0 ? '0' : String(n);
}

function property(path: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
}

function serialize(value: unknown, path: string, ancestors: Set<object>): string {
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return number(value);
    case 'bigint':
      return `${value}n`;
    case 'string':
      return JSON.stringify(value);
    case 'symbol':
      throw new UnkeyableArgumentError(path, 'a symbol');
    case 'function':
      throw new UnkeyableArgumentError(path, 'a function');
  }
  if (value === null) return 'null';
  const object = value as object;
  if (ancestors.has(object)) throw new UnkeyableArgumentError(path, 'a cycle (it contains itself)');
  ancestors.add(object);
  try {
    return serializeObject(object, path, ancestors);
  } finally {
    ancestors.delete(object);
  }
}

function serializeObject(object: object, path: string, ancestors: Set<object>): string {
  if (Array.isArray(object)) {
    let out = '[';
    // holes read as undefined, as a function iterating the array would see them
    for (let i = 0; i < object.length; i++) {
      out += `${i === 0 ? '' : ','}${serialize(object[i], `${path}[${i}]`, ancestors)}`;
    }
    return `${out}]`;
  }
  if (object instanceof Date) {
    const time = dateTime.call(object);
    return `Date(${Number.isNaN(time) ? 'NaN' : object.toISOString()})`;
  }
  if (Buffer.isBuffer(object)) return `Buffer(${bytes(object)})`;
  if (object instanceof TYPED_ARRAY || object instanceof DataView) {
    return `${object.constructor.name}(${bytes(object as ArrayBufferView)})`;
  }
  if (object instanceof ArrayBuffer || object instanceof SharedArrayBuffer) {
    return `${object.constructor.name}(${bytes(object)})`;
  }
  if (object instanceof Map) {
    const entries: string[] = [];
    let i = 0;
    for (const [k, v] of object) {
      const at = `${path}.<entry ${i++}>`;
      entries.push(`${serialize(k, at, ancestors)}=>${serialize(v, at, ancestors)}`);
    }
    // a Map equal in content is the same argument whatever order it was filled in
    return `Map{${entries.sort().join(',')}}`;
  }
  if (object instanceof Set) {
    const members: string[] = [];
    let i = 0;
    for (const v of object) members.push(serialize(v, `${path}.<member ${i++}>`, ancestors));
    return `Set{${members.sort().join(',')}}`;
  }
  if (object instanceof RegExp) return `RegExp(${regExpToString.call(object)})`;
  if (object instanceof URL) return `URL(${JSON.stringify(object.href)})`;
  if (object instanceof URLSearchParams) return `URLSearchParams(${JSON.stringify(object.toString())})`;
  if (
    object instanceof Promise ||
    object instanceof WeakMap ||
    object instanceof WeakSet ||
    object instanceof WeakRef
  ) {
    throw new UnkeyableArgumentError(path, `a ${object.constructor.name}`);
  }
  // plain: no class of its own (Object, a null prototype, or a constructor-less null-prototype
  // object such as the params of find-my-way)
  const ctor = (object as { constructor?: unknown }).constructor;
  const plain = typeof ctor !== 'function' || ctor === Object;
  const prefix = plain ? '' : (ctor as { name?: unknown }).name || 'anonymous';
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (!plain && typeof toJSON === 'function') {
    // a value class (ObjectId, Decimal, a DateTime) says what it is through toJSON
    return `${prefix}(${serialize(toJSON.call(object), `${path}.toJSON()`, ancestors)})`;
  }
  const keys = Object.keys(object).sort();
  let out = `${prefix}{`;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = serialize((object as Record<string, unknown>)[k], property(path, k), ancestors);
    out += `${i === 0 ? '' : ','}${JSON.stringify(k)}:${v}`;
  }
  return `${out}}`;
}

/**
 * A stable, unambiguous text form of `value`, for cache keys. Objects are written with their keys
 * sorted (own enumerable string keys; symbol keys are left out), so `{ a, b }` and `{ b, a }` give
 * the same text; `Map` entries and `Set` members are sorted too. Types stay apart: `1`, `'1'`, `1n`,
 * `null` and `undefined` differ, a `Date` is its instant, a `Buffer`, each typed array, `DataView`
 * and `ArrayBuffer` is its type and bytes, a `RegExp`, `URL` or `URLSearchParams` its text. A class
 * instance is its class name and own enumerable properties, or its `toJSON()` when it has one.
 * `-0` is `0`. A shared (non-cyclic) object may appear any number of times.
 *
 * @throws TypeError for a value with no stable form: a function, a symbol, a `Promise`, a `WeakMap`,
 * `WeakSet` or `WeakRef`, or an object that contains itself. The message names where it is
 * (`'[0].filter.cb is a function, ...'`).
 */
export function stableKey(value: unknown): string {
  return serialize(value, '', new Set());
}

/**
 * The arguments of a call as one stable string: each through {@link stableKey}, comma-separated,
 * trailing `undefined`s dropped (`f(1)` and `f(1, undefined)` are the same call to a function with a
 * default parameter). Errors name the argument (`'argument 0.filter.cb'`).
 */
export function argumentsKey(args: readonly unknown[]): string {
  let end = args.length;
  while (end > 0 && args[end - 1] === undefined) end--;
  const ancestors = new Set<object>();
  let out = '';
  for (let i = 0; i < end; i++) {
    out += `${i === 0 ? '' : ','}${serialize(args[i], `argument ${i}`, ancestors)}`;
  }
  return out;
}
