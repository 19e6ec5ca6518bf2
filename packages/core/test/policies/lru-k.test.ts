import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { LruKPolicy } from '../../src/policies/lru-k.js';
import { Driver, keys } from './driver.js';

describe('LruKPolicy', () => {
  it('evicts the entry whose K-th most recent reference is oldest, not the least recently used', () => {
    const policy = new LruKPolicy();
    const d = new Driver(policy, 2);
    d.set('a'); // t1
    d.get('a'); // t2: a has 2 references
    d.set('b'); // t3
    d.get('b'); // t4
    d.get('a'); // t5: a's 2nd most recent reference is t2, b's is t3
    d.set('c');
    // LRU would evict b (last used at t4); LRU-2 evicts a
    expect(d.evicted).toEqual(['a']);
  });

  it('evicts entries with fewer than K references first, least recently used first', () => {
    const d = new Driver(new LruKPolicy(), 3);
    d.set('a');
    d.get('a'); // hot
    d.set('b');
    d.set('c');
    d.get('b'); // hot
    d.set('d'); // c is the only cold entry
    d.set('e'); // d is cold
    expect(d.evicted).toEqual(['c', 'd']);
    expect(d.has('a') && d.has('b')).toBe(true);
  });

  it('resists a scan: one-time keys never displace entries with K references', () => {
    const d = new Driver(new LruKPolicy(), 10);
    const hot = keys('h', 6);
    for (const h of hot) {
      d.set(h);
      d.get(h);
    }
    d.setAll(...keys('scan', 500));
    for (const h of hot) expect(d.has(h)).toBe(true);
  });

  it('retains the history of evicted keys, so a key seen K times across evictions comes back hot', () => {
    const policy = new LruKPolicy();
    const d = new Driver(policy, 2);
    d.setAll('a', 'b', 'c'); // a evicted with one reference retained
    expect(d.evicted).toEqual(['a']);
    expect(policy.retained).toBe(1);
    d.set('a'); // second reference: hot at once
    expect(policy.queueOf(d.slotOf('a'))).toBe('hot');
    expect(policy.retained).toBe(1); // a's history was consumed, b's retained
  });

  it('keeps no history for deleted keys', () => {
    const policy = new LruKPolicy();
    const d = new Driver(policy, 2);
    d.set('a');
    d.delete('a');
    d.set('a');
    expect(policy.queueOf(d.slotOf('a'))).toBe('cold');
    expect(policy.retained).toBe(0);
  });

  it('bounds the retained history by the capacity', () => {
    const policy = new LruKPolicy();
    const d = new Driver(policy, 16);
    d.setAll(...keys('k', 10_000));
    expect(policy.retained).toBeLessThanOrEqual(16);
    expect(policy.debugSize()).toBeLessThanOrEqual(32);
  });

  it('takes K as an option: with K = 3 an entry needs three references to be hot', () => {
    const policy = new LruKPolicy({ k: 3 });
    const d = new Driver(policy, 4);
    d.set('a');
    d.get('a');
    expect(policy.queueOf(d.slotOf('a'))).toBe('cold');
    d.get('a');
    expect(policy.queueOf(d.slotOf('a'))).toBe('hot');
  });

  it('is LRU with K = 1', () => {
    const d = new Driver(new LruKPolicy({ k: 1 }), 3);
    d.setAll('a', 'b', 'c');
    d.get('a');
    d.setAll('d', 'e');
    expect(d.evicted).toEqual(['b', 'c']);
  });

  it.each([0, 9, 1.5, Number.NaN, '2'])('rejects k = %s with a ConfigError', (k) => {
    expect(() => new LruKPolicy({ k: k as number })).toThrow(ConfigError);
    expect(() => new LruKPolicy({ k: k as number })).toThrow(
      /Invalid option k: expected an integer from 1 to 8/,
    );
  });
});
