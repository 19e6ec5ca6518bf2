import { describe, expect, it } from 'vitest';
import { LfuPolicy } from '../../src/policies/lfu.js';
import { Driver, keys } from './driver.js';

describe('LfuPolicy', () => {
  it('evicts the least frequently used entry', () => {
    const d = new Driver(new LfuPolicy(), 3);
    d.setAll('a', 'b', 'c');
    d.get('a');
    d.get('a');
    d.get('b');
    d.set('d');
    expect(d.evicted).toEqual(['c']);
    d.set('e');
    expect(d.evicted).toEqual(['c', 'd']);
  });

  it('breaks ties by least recent use at the same count', () => {
    const d = new Driver(new LfuPolicy(), 3);
    d.setAll('a', 'b', 'c');
    d.get('b');
    d.get('a');
    d.get('c');
    // all at count 2; b reached it first
    d.set('d');
    expect(d.evicted).toEqual(['b']);
  });

  it('yields slots highest count first, most recent first within a count, the victim last', () => {
    const d = new Driver(new LfuPolicy(), 5);
    d.setAll('a', 'b', 'c', 'd');
    d.get('c');
    d.get('c');
    d.get('a');
    d.get('d');
    expect(d.order()).toEqual(['c', 'd', 'a', 'b']);
    expect(d.policy.victim()).toBe(d.slotOf('b'));
  });

  it('counts an update as a use', () => {
    const d = new Driver(new LfuPolicy(), 2);
    d.setAll('a', 'b');
    d.set('a');
    d.set('c');
    expect(d.evicted).toEqual(['b']);
    expect((d.policy as LfuPolicy).frequency(d.slotOf('a'))).toBe(2);
  });

  it('frees buckets on delete and keeps working when emptied', () => {
    const d = new Driver(new LfuPolicy(), 4);
    d.setAll('a', 'b', 'c');
    d.get('b');
    d.get('c');
    d.get('c');
    for (const k of ['a', 'b', 'c']) d.delete(k);
    expect(d.policy.victim()).toBe(-1);
    expect(d.order()).toEqual([]);
    d.setAll(...keys('k', 6));
    expect(d.evicted).toEqual(['k0', 'k1']);
  });

  it('matches a naive LFU (min count, then least recent use) on random operations', () => {
    let seed = 12345;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const max = 8;
    const d = new Driver(new LfuPolicy(), max);
    const model = new Map<string, { count: number; touched: number }>();
    const expected: string[] = [];
    for (let tick = 1; tick <= 20_000; tick++) {
      const key = `k${random(24)}`;
      const op = random(10);
      if (op === 0) {
        d.delete(key);
        model.delete(key);
        continue;
      }
      const entry = model.get(key);
      if (entry) {
        entry.count++;
        entry.touched = tick;
      } else {
        if (model.size === max) {
          let victim = '';
          let best = { count: Number.POSITIVE_INFINITY, touched: Number.POSITIVE_INFINITY };
          for (const [k, e] of model) {
            if (e.count < best.count || (e.count === best.count && e.touched < best.touched)) {
              victim = k;
              best = e;
            }
          }
          model.delete(victim);
          expected.push(victim);
        }
        model.set(key, { count: 1, touched: tick });
      }
      if (op < 5) d.get(key);
      else d.set(key);
    }
    expect(d.evicted).toEqual(expected);
  });
});
