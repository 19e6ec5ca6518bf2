import { describe, expect, it } from 'vitest';
import { HashGhosts } from '../../src/policies/hash-ghosts.js';

describe('HashGhosts', () => {
  it('finds, deletes and lists ghosts per list, oldest first', () => {
    const g = new HashGhosts(2, 8);
    const a = g.add(0, 11);
    g.add(0, 22);
    g.add(1, 33);
    expect(g.find(11)).toBe(a);
    expect(g.listOf(g.find(33))).toBe(1);
    expect([g.length(0), g.length(1), g.size]).toEqual([2, 1, 3]);
    g.shift(0);
    expect(g.find(11)).toBe(-1);
    expect(g.find(22)).not.toBe(-1);
    g.delete(g.find(33));
    expect([g.length(0), g.length(1), g.size]).toEqual([1, 0, 1]);
  });

  it('re-adding a hash moves it to the newest end of the list it is added to', () => {
    const g = new HashGhosts(2, 8);
    g.add(0, 1);
    g.add(0, 2);
    g.add(1, 1);
    expect([g.length(0), g.length(1)]).toEqual([1, 1]);
    g.shift(0);
    expect(g.find(2)).toBe(-1);
    expect(g.find(1)).not.toBe(-1);
  });

  it('drops the oldest ghost when full (FIFO replacement), so memory is fixed', () => {
    const g = new HashGhosts(1, 4);
    const bytes = g.byteLength;
    for (let h = 1; h <= 1000; h++) g.add(0, h);
    expect(g.size).toBe(4);
    expect([997, 998, 999, 1000].map((h) => g.find(h) !== -1)).toEqual([true, true, true, true]);
    expect(g.find(996)).toBe(-1);
    expect(g.byteLength).toBe(bytes);
  });

  it('matches a Map under random churn, including colliding table positions', () => {
    let seed = 3;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const capacity = 64;
    const g = new HashGhosts(1, capacity);
    const model: number[] = []; // oldest first
    for (let i = 0; i < 100_000; i++) {
      // few distinct hashes, many sharing low bits: long probe runs and backward shifts
      const hash = (random(300) << 20) | 5;
      const op = random(3);
      const at = model.indexOf(hash);
      if (op === 0) {
        if (at !== -1) {
          g.delete(g.find(hash));
          model.splice(at, 1);
        }
      } else {
        g.add(0, hash);
        if (at !== -1) model.splice(at, 1);
        else if (model.length === capacity) model.shift();
        model.push(hash);
      }
      if (i % 97 === 0) {
        expect(model.filter((h) => g.find(h) === -1)).toEqual([]);
        expect(g.size).toBe(model.length);
      }
      if ((g.find(hash) !== -1) !== model.includes(hash)) expect({ step: i, hash }).toBe('consistent');
    }
  });

  it('grows, keeping every ghost and its node index', () => {
    const g = new HashGhosts(1, 4);
    const nodes = [1, 2, 3].map((h) => g.add(0, h));
    g.grow(100);
    expect([1, 2, 3].map((h) => g.find(h))).toEqual(nodes);
    for (let h = 4; h <= 100; h++) g.add(0, h);
    expect(g.size).toBe(100);
    expect(g.find(1)).toBe(nodes[0]);
  });

  it('holds nothing with capacity 0', () => {
    const g = new HashGhosts(1);
    expect(g.add(0, 5)).toBe(-1);
    expect(g.find(5)).toBe(-1);
  });
});
