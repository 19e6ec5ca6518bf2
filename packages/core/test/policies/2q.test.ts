import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { TwoQueuePolicy } from '../../src/policies/2q.js';
import { Driver, keys } from './driver.js';

/** A 2Q driver whose keys `hot` were evicted from A1in and came back, so they sit in Am. */
function withHotKeys(max: number, hot: string[]): { d: Driver; policy: TwoQueuePolicy } {
  const policy = new TwoQueuePolicy();
  const d = new Driver(policy, max);
  d.setAll(...hot);
  d.setAll(...keys('warm', max)); // pushes the hot keys out of A1in into A1out
  d.setAll(...hot); // ghost hits: straight into Am
  for (const h of hot) expect(policy.queueOf(d.slotOf(h))).toBe('am');
  return { d, policy };
}

describe('TwoQueuePolicy', () => {
  it('puts new keys in A1in and keys that come back from A1out in Am', () => {
    const policy = new TwoQueuePolicy();
    const d = new Driver(policy, 4);
    d.setAll('a', 'b', 'c', 'd', 'e');
    expect(d.evicted).toEqual(['a']);
    expect(policy.ghosts).toBe(1);
    expect(policy.queueOf(d.slotOf('e'))).toBe('a1in');
    d.set('a');
    expect(policy.queueOf(d.slotOf('a'))).toBe('am');
    expect(policy.ghosts).toBe(1); // a left A1out, b joined it
  });

  it('does not let a scan flush Am', () => {
    const hot = keys('h', 4);
    const { d } = withHotKeys(12, hot);
    d.setAll(...keys('scan', 1000));
    for (const h of hot) expect(d.has(h)).toBe(true);
  });

  it('ignores uses inside A1in (correlated references)', () => {
    const policy = new TwoQueuePolicy();
    const d = new Driver(policy, 4);
    d.setAll('a', 'b', 'c', 'd');
    d.get('a');
    d.get('a');
    expect(policy.queueOf(d.slotOf('a'))).toBe('a1in');
    d.set('e');
    expect(d.evicted).toEqual(['a']);
  });

  it('evicts the LRU entry of Am, without a ghost, while A1in is within Kin', () => {
    const hot = keys('h', 8);
    const { d, policy } = withHotKeys(20, hot);
    // leave two entries in A1in: with 10 live entries, Kin = 2, so A1in is not above it
    for (const k of keys('warm', 10, 8)) d.delete(k);
    d.get('h0'); // h1 is now the LRU entry of Am
    const ghosts = policy.ghosts;
    expect(d.evict()).toBe('h1');
    expect(policy.ghosts).toBe(ghosts);
    d.set('x'); // A1in: 3 of 10 entries, above Kin: its oldest entry goes, into A1out
    expect(d.evict()).toBe('warm18');
    expect(policy.ghosts).toBe(ghosts + 1);
  });

  it('leaves no ghost for a deleted entry', () => {
    const policy = new TwoQueuePolicy();
    const d = new Driver(policy, 4);
    d.setAll('a', 'b');
    d.delete('a');
    d.set('a');
    expect(policy.queueOf(d.slotOf('a'))).toBe('a1in');
    expect(policy.ghosts).toBe(0);
  });

  it('remembers the victim until it is removed, even if another entry is deleted in between', () => {
    const policy = new TwoQueuePolicy();
    const d = new Driver(policy, 4);
    d.setAll('a', 'b', 'c', 'd');
    const victim = policy.victim();
    expect(victim).toBe(d.slotOf('a'));
    d.delete('c'); // say, from a dispose callback that runs before the cache removes the victim
    d.get('b');
    policy.remove(victim, 'evict');
    expect(policy.ghosts).toBe(1);
  });

  it('bounds A1out at Kout (50% of the capacity)', () => {
    const policy = new TwoQueuePolicy();
    const d = new Driver(policy, 20);
    d.setAll(...keys('k', 5000));
    expect(policy.ghosts).toBe(10);
  });

  it('validates kin and kout', () => {
    expect(() => new TwoQueuePolicy({ kin: 0 })).toThrow(ConfigError);
    expect(() => new TwoQueuePolicy({ kin: 1 })).toThrow(/Invalid option kin/);
    expect(() => new TwoQueuePolicy({ kout: -1 })).toThrow(/Invalid option kout/);
    expect(() => new TwoQueuePolicy({ kout: 5 })).toThrow(ConfigError);
    expect(new TwoQueuePolicy({ kin: 0.5, kout: 0 }).name).toBe('2q');
  });
});
