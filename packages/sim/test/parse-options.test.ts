import { describe, expect, it } from 'vitest';
import { defaultSizes } from '../src/default-sizes.js';
import { parsePolicies } from '../src/parse-policies.js';
import { parseSizes } from '../src/parse-sizes.js';
import { POLICY_NAMES } from '../src/policy-name.js';
import { SimError } from '../src/sim-error.js';

describe('parseSizes', () => {
  it('parses, sorts and dedupes a comma-separated list', () => {
    expect(parseSizes('1500, 500,1000,500')).toEqual([500, 1000, 1500]);
    expect(parseSizes('7')).toEqual([7]);
  });

  it.each(['', ' ', 'abc', '0', '-5', '1.5', '1e3', '500,x'])('rejects %j with a SimError', (text) => {
    expect(() => parseSizes(text)).toThrow(SimError);
  });

  it('names the bad item', () => {
    expect(() => parseSizes('500,x,7')).toThrow("bad size 'x' in --sizes '500,x,7'");
  });
});

describe('parsePolicies', () => {
  it('keeps the canonical order, ignores case and duplicates, knows all', () => {
    expect(parsePolicies('w-tinylfu, LRU,lru')).toEqual(['lru', 'w-tinylfu']);
    expect(parsePolicies('all')).toEqual([...POLICY_NAMES]);
  });

  it('rejects unknown policies by name, and explains opt', () => {
    expect(() => parsePolicies('lru,belady')).toThrow("unknown policy 'belady'");
    expect(() => parsePolicies('opt')).toThrow(/OPT is always included/);
    expect(() => parsePolicies(',')).toThrow(/empty/);
  });
});

describe('defaultSizes', () => {
  it('takes 1/16 to 1/2 of the distinct keys, rounded to two digits', () => {
    expect(defaultSizes(2529)).toEqual([160, 320, 630, 1300]);
    expect(defaultSizes(3)).toEqual([1, 2]);
  });
});
