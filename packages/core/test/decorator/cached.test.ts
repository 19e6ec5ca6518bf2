import { afterEach, describe, expect, it } from 'vitest';
import { Cache, ConfigError, cached, cacheResponse, setDefaultCache } from '../../src/index.js';

/** A class whose `double` is decorated by `decorator`, applied as `experimentalDecorators` does. */
function counterWith(decorator: typeof cached) {
  class Counter {
    calls = 0;
    double(n: number): number {
      this.calls++;
      return n * 2;
    }
  }
  const descriptor = Object.getOwnPropertyDescriptor(Counter.prototype, 'double')!;
  Object.defineProperty(
    Counter.prototype,
    'double',
    decorator('1m')(Counter.prototype, 'double', descriptor),
  );
  return new Counter();
}

describe('@cached (the method memoiser) and its deprecated alias cacheResponse', () => {
  afterEach(() => setDefaultCache(new Cache({ max: 100 })));

  it('@cached returns the stored result on the second call with the same arguments', () => {
    setDefaultCache(new Cache({ max: 100 }));
    const counter = counterWith(cached);
    expect(counter.double(2)).toBe(4);
    expect(counter.double(2)).toBe(4);
    expect(counter.double(3)).toBe(6);
    expect(counter.calls).toBe(2);
  });

  it('cacheResponse still memoises the same way', () => {
    setDefaultCache(new Cache({ max: 100 }));
    const old = counterWith(cacheResponse);
    expect(old.double(5)).toBe(10);
    expect(old.double(5)).toBe(10);
    expect(old.calls).toBe(1);
  });

  it('names itself in errors: @cached, and @cacheResponse through the alias', () => {
    expect(() => cached(null as never)).toThrow(ConfigError);
    expect(() => cached(null as never)).toThrow(/@cached/);
    expect(() => cacheResponse(null as never)).toThrow(/@cacheResponse/);
  });
});
