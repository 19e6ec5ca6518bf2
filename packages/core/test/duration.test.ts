import { describe, expect, it } from 'vitest';
import { ConfigError, parseDuration, parsePositiveDuration } from '../src/index.js';

describe('parseDuration reads durations through ms', () => {
  it.each([
    [250, 250],
    [0, 0],
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['5 min', 300_000],
    ['5 minutes', 300_000],
    ['5 MIN', 300_000],
    ['1.5h', 5_400_000],
    ['2 days', 172_800_000],
    ['1w', 604_800_000],
    ['1 week', 604_800_000],
  ])('%j is %d ms', (value, expected) => {
    expect(parseDuration('ttl', value)).toBe(expected);
  });

  it.each([
    ['5'],
    ['-1s'],
    ['5 fortnights'],
    ['garbage'],
    [''],
    ['1e3s'],
    ['Infinity'],
    [`${'9'.repeat(100)}s`],
    [-1],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    [null],
    [{}],
  ])('refuses %j with a ConfigError naming the option and the value', (value) => {
    let error: unknown;
    try {
      parseDuration('lockTtl', value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe('lockTtl');
    expect((error as Error).message).toContain('lockTtl');
    expect((error as Error).message).toContain('"5 min"');
  });

  it('parsePositiveDuration refuses zero and rounds up to whole milliseconds', () => {
    expect(parsePositiveDuration('commandTimeout', '1.5s')).toBe(1500);
    expect(parsePositiveDuration('commandTimeout', 0.2)).toBe(1);
    expect(() => parsePositiveDuration('commandTimeout', '0s')).toThrow(ConfigError);
    expect(() => parsePositiveDuration('commandTimeout', 0)).toThrow(ConfigError);
  });
});
