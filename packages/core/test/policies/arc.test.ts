import { describe, expect, it } from 'vitest';
import { ArcPolicy } from '../../src/policies/arc.js';
import { Driver, keys } from './driver.js';

describe('ArcPolicy', () => {
  it('moves an entry from T1 to T2 on its second use', () => {
    const policy = new ArcPolicy();
    const d = new Driver(policy, 4);
    d.set('a');
    expect(policy.listOf(d.slotOf('a'))).toBe('t1');
    d.get('a');
    expect(policy.listOf(d.slotOf('a'))).toBe('t2');
  });

  it('adapts p: a hit in B1 grows it, a hit in B2 shrinks it', () => {
    const policy = new ArcPolicy();
    const d = new Driver(policy, 4);
    d.setAll('a', 'b');
    d.get('a'); // T2 = [a]
    d.setAll('c', 'd', 'e'); // e evicts b from T1 into B1
    expect(d.evicted).toEqual(['b']);
    expect(policy.sizes).toEqual({ t1: 3, t2: 1, b1: 1, b2: 0 });
    expect(policy.p).toBe(0);

    d.set('b'); // ghost hit in B1: p += max(1, |B2| / |B1|); b comes back into T2
    expect(policy.p).toBe(1);
    expect(policy.listOf(d.slotOf('b'))).toBe('t2');
    expect(d.evicted).toEqual(['b', 'c']);

    d.get('d'); // T1 = [e], T2 = [a, b, d]
    d.set('f'); // |T1| = 1 is not above p = 1: T2 gives up a, into B2
    expect(d.evicted).toEqual(['b', 'c', 'a']);
    expect(policy.sizes).toEqual({ t1: 2, t2: 2, b1: 1, b2: 1 });

    d.set('a'); // evicts e into B1, then a ghost hit in B2: p -= max(1, |B1| / |B2|) = 2, floored at 0
    expect(d.evicted).toEqual(['b', 'c', 'a', 'e']);
    expect(policy.p).toBe(0);
    expect(policy.listOf(d.slotOf('a'))).toBe('t2');
  });

  it('keeps the frequently used T2 through a scan of one-time keys', () => {
    const d = new Driver(new ArcPolicy(), 10);
    const hot = keys('h', 5);
    for (const h of hot) {
      d.set(h);
      d.get(h);
    }
    d.setAll(...keys('scan', 1000));
    for (const h of hot) expect(d.has(h)).toBe(true);
  });

  it('leaves no ghost for a deleted entry', () => {
    const policy = new ArcPolicy();
    const d = new Driver(policy, 4);
    d.setAll('a', 'b');
    d.get('a');
    d.delete('a');
    d.delete('b');
    expect(policy.sizes).toEqual({ t1: 0, t2: 0, b1: 0, b2: 0 });
    d.set('a');
    expect(policy.listOf(d.slotOf('a'))).toBe('t1');
  });

  it('keeps the paper invariants |T1| + |B1| <= c and |T1| + |T2| + |B1| + |B2| <= 2c under churn', () => {
    const c = 16;
    const policy = new ArcPolicy();
    const d = new Driver(policy, c);
    let seed = 7;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    for (let i = 0; i < 50_000; i++) {
      const key = random(3) === 0 ? `hot${random(12)}` : `k${random(200)}`;
      if (random(20) === 0) d.delete(key);
      else d.get(key);
      const { t1, t2, b1, b2 } = policy.sizes;
      if (t1 + b1 > c || t1 + t2 + b1 + b2 > 2 * c || !(policy.p >= 0 && policy.p <= c)) {
        expect({ step: i, t1, t2, b1, b2, p: policy.p }).toBe('within the invariants');
      }
    }
    expect(policy.sizes.b1 + policy.sizes.b2).toBeGreaterThan(0);
  });
});
