import { ConfigError } from '@larder/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFIX, escapeGlob, KeyLayout, slotTag } from '../src/index.js';

describe('slotTag', () => {
  it('is FNV-1a 32 over UTF-16 code units, 8 hex digits: part of the storage format, so frozen here', () => {
    expect(slotTag('')).toBe('811c9dc5');
    expect(slotTag('a')).toBe('e40c292c');
    expect(slotTag('GET example.com/items?a=1')).toBe('b47e8bbb');
    expect(slotTag('product:42')).toBe('a5539a30');
    expect(slotTag('ünï ✓')).toBe('cc8945a9');
  });
});

describe('KeyLayout', () => {
  it('names entries, locks and tags under the prefix, with the slot tag of the name', () => {
    const layout = new KeyLayout();
    expect(layout.prefix).toBe(DEFAULT_PREFIX);
    expect(layout.entry('GET example.com/items?a=1')).toBe('larder:e:{b47e8bbb}GET example.com/items?a=1');
    expect(layout.lock('GET example.com/items?a=1')).toBe('larder:l:{b47e8bbb}GET example.com/items?a=1');
    expect(layout.keyed('f', 'a')).toBe('larder:f:{e40c292c}a');
    expect(layout.tag('product:42')).toBe('larder:t:{a5539a30}product:42');
    expect(layout.busChannel).toBe('larder:bus');
    expect(layout.pattern('e')).toBe('larder:e:{*');
  });

  it('keeps names with braces out of the hash tag', () => {
    const layout = new KeyLayout('app:');
    // Redis hashes what is between the first '{' and the next '}': always our 8 hex digits
    for (const key of ['}', '{', '{x}', '']) {
      const name = layout.entry(key);
      const open = name.indexOf('{');
      expect(name.slice(open + 1, name.indexOf('}', open + 1))).toBe(slotTag(key));
    }
  });

  it('accepts a prefix with its own hash tag, and rejects a brace that would break slots', () => {
    expect(new KeyLayout('{larder}:').entry('k')).toBe(
      '{larder}:e:{e40c292c}k'.replace('e40c292c', slotTag('k')),
    );
    expect(new KeyLayout('').entry('a')).toBe('e:{e40c292c}a');
    expect(() => new KeyLayout('a{b')).toThrow(ConfigError);
    expect(() => new KeyLayout('a{}b')).toThrow(/prefix/);
    expect(() => new KeyLayout(5 as never)).toThrow(ConfigError);
  });

  it('escapes glob characters in patterns', () => {
    expect(escapeGlob('a*b?c[d]e\\f')).toBe('a\\*b\\?c\\[d\\]e\\\\f');
    expect(new KeyLayout('x*:').pattern('t')).toBe('x\\*:t:{*');
  });
});
