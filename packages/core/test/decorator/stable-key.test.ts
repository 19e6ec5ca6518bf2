import { describe, expect, it } from 'vitest';
import { argumentsKey, stableKey } from '../../src/decorator/stable-key.js';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}
class Money {
  constructor(readonly cents: number) {}
  toJSON(): string {
    return `${this.cents / 100} EUR`;
  }
}

describe('stableKey', () => {
  it('writes primitives so that types stay apart', () => {
    expect([1, '1', 1n, true, null, undefined].map(stableKey)).toEqual([
      '1',
      '"1"',
      '1n',
      'true',
      'null',
      'undefined',
    ]);
    expect(stableKey(-0)).toBe('0');
    expect([Number.NaN, Number.POSITIVE_INFINITY, -1.5].map(stableKey)).toEqual(['NaN', 'Infinity', '-1.5']);
    expect(stableKey('a"b')).toBe('"a\\"b"');
  });

  it('sorts object keys, at every depth', () => {
    expect(stableKey({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}',
    );
    expect(stableKey({ a: undefined })).not.toBe(stableKey({}));
    expect(stableKey(Object.assign(Object.create(null), { z: 1, y: 2 }))).toBe('{"y":2,"z":1}');
    expect(stableKey({ [Symbol('hidden')]: 1, a: 1 })).toBe('{"a":1}');
    // find-my-way's params: a constructor-less object with a null-prototype prototype
    function NullObject() {}
    NullObject.prototype = Object.create(null);
    const params = Object.assign(new (NullObject as unknown as new () => object)(), { id: '1' });
    expect(stableKey(params)).toBe('{"id":"1"}');
  });

  it('keeps built-ins apart by type and content', () => {
    expect(stableKey(new Date(0))).toBe('Date(1970-01-01T00:00:00.000Z)');
    expect(stableKey(new Date(Number.NaN))).toBe('Date(NaN)');
    expect(stableKey(Buffer.from('hi'))).toBe('Buffer(aGk=)');
    expect(stableKey(new Uint8Array([104, 105]))).toBe('Uint8Array(aGk=)');
    expect(stableKey(new Uint16Array([1]))).toBe('Uint16Array(AQA=)');
    expect(stableKey(new Uint8Array([1, 2, 3]).subarray(1))).toBe('Uint8Array(AgM=)');
    expect(stableKey(new Uint8Array([1]).buffer)).toBe('ArrayBuffer(AQ==)');
    expect(stableKey(new DataView(new Uint8Array([7]).buffer))).toBe('DataView(Bw==)');
    expect(
      stableKey(
        new Map<unknown, unknown>([
          [2, 'b'],
          ['1', { y: 1, x: 2 }],
        ]),
      ),
    ).toBe('Map{"1"=>{"x":2,"y":1},2=>"b"}');
    expect(stableKey(new Set([3, 1, '2']))).toBe(stableKey(new Set(['2', 3, 1])));
    expect(stableKey(/a+/gi)).toBe('RegExp(/a+/gi)');
    expect(stableKey(new URL('https://example.com/a?b=1'))).toBe('URL("https://example.com/a?b=1")');
    expect(stableKey(new URLSearchParams('b=1&a=2'))).toBe('URLSearchParams("b=1&a=2")');
    // holes read as undefined, as iteration sees them
    const holey: number[] = new Array(3);
    holey[0] = 1;
    holey[2] = 3;
    expect(stableKey(holey)).toBe('[1,undefined,3]');
  });

  it('writes class instances with their class name, or their toJSON', () => {
    expect(stableKey(new Point(1, 2))).toBe('Point{"x":1,"y":2}');
    expect(stableKey({ x: 1, y: 2 })).not.toBe(stableKey(new Point(1, 2)));
    expect(stableKey(new Money(150))).toBe('Money("1.5 EUR")');
  });

  it('allows shared objects, refuses cycles, functions, symbols and weak or pending values', () => {
    const shared = { n: 1 };
    expect(stableKey([shared, shared])).toBe('[{"n":1},{"n":1}]');
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    expect(() => stableKey({ a: [cyclic] })).toThrow(TypeError);
    expect(() => stableKey({ a: [cyclic] })).toThrow('.a[0].self is a cycle (it contains itself)');
    expect(() => stableKey({ 'odd key': () => 1 })).toThrow('["odd key"] is a function');
    expect(() => stableKey(Symbol('s'))).toThrow('the value is a symbol');
    expect(() => stableKey(Promise.resolve())).toThrow('is a Promise');
    expect(() => stableKey(new WeakMap())).toThrow('is a WeakMap');
    expect(() => stableKey(new Map([[1, () => 1]]))).toThrow('.<entry 0> is a function');
  });
});

describe('argumentsKey', () => {
  it('joins the arguments and drops trailing undefineds', () => {
    expect(argumentsKey([1, 'a', { b: 2 }])).toBe('1,"a",{"b":2}');
    expect(argumentsKey([1, undefined])).toBe(argumentsKey([1]));
    expect(argumentsKey([undefined, 1])).toBe('undefined,1');
    expect(argumentsKey([])).toBe('');
  });

  it('names the argument in errors', () => {
    expect(() => argumentsKey([1, { cb: () => 1 }])).toThrow('argument 1.cb is a function');
  });
});
