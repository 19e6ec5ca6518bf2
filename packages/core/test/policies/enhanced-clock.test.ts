import { describe, expect, it } from 'vitest';
import { Cache } from '../../src/cache/cache.js';
import { EnhancedClockPolicy } from '../../src/policies/enhanced-clock.js';
import { Driver } from './driver.js';

describe('EnhancedClockPolicy', () => {
  it('evicts the oldest entry that is neither used nor overwritten, without sweeping', () => {
    const d = new Driver(new EnhancedClockPolicy(), 3);
    d.setAll('a', 'b', 'c');
    d.get('a');
    d.set('d');
    d.set('e');
    expect(d.evicted).toEqual(['b', 'c']);
    expect(d.has('a')).toBe(true);
  });

  it('with entries used alike, evicts a clean entry before an overwritten one', () => {
    const d = new Driver(new EnhancedClockPolicy(), 3);
    d.setAll('a', 'b', 'c');
    d.set('b'); // overwritten: (1, 1)
    d.get('a'); // (1, 0)
    d.get('c'); // (1, 0)
    d.set('d'); // the sweep clears every referenced bit; a and c are now (0, 0), b (0, 1)
    d.set('e');
    d.set('f'); // d and e are new and clean: they go before b too
    expect(d.evicted).toEqual(['a', 'c', 'd']);
    d.set('g');
    expect(d.evicted).toEqual(['a', 'c', 'd', 'e']);
    expect(d.has('b')).toBe(true);
  });

  it('sweeps past a used overwritten entry, clearing its bit, to the first unused overwritten one', () => {
    const d = new Driver(new EnhancedClockPolicy(), 3);
    d.setAll('a', 'b', 'c');
    d.setAll('a', 'b', 'c'); // all (1, 1)
    d.set('d'); // a full sweep leaves all three (0, 1): the first after the hand goes
    expect(d.evicted).toEqual(['a']);
    d.get('b'); // b (1, 1), c (0, 1), d (0, 0)
    d.set('e'); // the clean entry goes first
    expect(d.evicted).toEqual(['a', 'd']);
    d.set('e'); // e overwritten: no clean entry left
    d.set('f'); // the hand clears b's bit and stops at c
    expect(d.evicted).toEqual(['a', 'd', 'c']);
    expect(d.has('b')).toBe(true);
  });

  it('forgets a deleted entry and keeps working after clear', () => {
    const d = new Driver(new EnhancedClockPolicy(), 3);
    d.setAll('a', 'b', 'c');
    d.set('a');
    d.delete('a');
    d.delete('b');
    d.set('x');
    d.set('y');
    d.set('z');
    expect(d.evicted).toEqual(['c']);
    d.clear();
    expect(d.policy.victim()).toBe(-1);
    d.setAll('p', 'q', 'r', 's');
    expect(d.evicted).toEqual(['c', 'p']);
  });

  it('in a Cache, a set over an existing key protects it from the next evictions', () => {
    const cache = new Cache<string, number>({ max: 3, policy: 'enhanced-clock' });
    const evicted: string[] = [];
    cache.on('remove', (key, _value, reason) => {
      if (reason === 'evict') evicted.push(key);
    });
    cache.set('a', 1).set('b', 1).set('c', 1);
    cache.set('a', 2);
    cache.set('d', 1).set('e', 1).set('f', 1);
    expect(evicted).toEqual(['b', 'c', 'd']);
    expect(cache.get('a')).toBe(2);
    expect((cache.policy as EnhancedClockPolicy).isModified(0)).toBe(true);
  });
});
