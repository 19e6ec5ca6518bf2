import { describe, expect, it } from 'vitest';
import { SievePolicy } from '../../src/policies/sieve.js';
import { Driver, keys } from './driver.js';

describe('SievePolicy', () => {
  it('keeps visited entries where they are and evicts the first unvisited one from the hand', () => {
    const d = new Driver(new SievePolicy(), 3);
    d.setAll('a', 'b', 'c');
    d.get('a');
    d.set('d');
    // a was visited: it loses its bit, stays, and b goes
    expect(d.evicted).toEqual(['b']);
    d.get('a');
    d.set('e');
    // the hand rests after b's place: c goes next, although a is older
    expect(d.evicted).toEqual(['b', 'c']);
    expect(d.has('a')).toBe(true);
  });

  it('does not move an entry on a hit (lazy promotion), unlike LRU', () => {
    const d = new Driver(new SievePolicy(), 4);
    d.setAll('a', 'b', 'c', 'd');
    d.get('a');
    d.get('b');
    // slots: kept longest first, next victim last; a and b keep their queue position
    expect(d.order()).toEqual(['b', 'a', 'd', 'c']);
    d.set('e');
    expect(d.evicted).toEqual(['c']);
  });

  it('sifts a scan of one-time keys while a visited working set survives', () => {
    const d = new Driver(new SievePolicy(), 10);
    const hot = keys('h', 5);
    d.setAll(...hot);
    for (const scan of keys('s', 200)) {
      d.set(scan);
      for (const h of hot) d.get(h);
    }
    for (const h of hot) expect(d.has(h)).toBe(true);
  });

  it('matches a naive array SIEVE on random operations', () => {
    let seed = 99;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const max = 7;
    const d = new Driver(new SievePolicy(), max);
    const queue: string[] = []; // oldest first
    const visited = new Set<string>();
    let hand: string | null = null;
    const expected: string[] = [];
    const drop = (i: number): void => {
      const key = queue[i]!;
      if (hand === key) hand = queue[i + 1] ?? null;
      queue.splice(i, 1);
      visited.delete(key);
    };
    for (let tick = 0; tick < 20_000; tick++) {
      const key = `k${random(20)}`;
      if (random(8) === 0) {
        const i = queue.indexOf(key);
        if (i !== -1) drop(i);
        d.delete(key);
        continue;
      }
      if (queue.includes(key)) visited.add(key);
      else {
        if (queue.length === max) {
          let i: number = hand === null ? 0 : queue.indexOf(hand);
          while (visited.has(queue[i]!)) {
            visited.delete(queue[i]!);
            i = (i + 1) % queue.length;
          }
          expected.push(queue[i]!);
          hand = queue[i]!;
          drop(i);
        }
        queue.push(key);
      }
      d.get(key);
    }
    expect(d.evicted).toEqual(expected);
  });
});
