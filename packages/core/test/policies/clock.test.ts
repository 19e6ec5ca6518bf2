import { describe, expect, it } from 'vitest';
import { ClockPolicy } from '../../src/policies/clock.js';
import { Driver } from './driver.js';

describe('ClockPolicy', () => {
  it('gives a used entry a second chance', () => {
    const d = new Driver(new ClockPolicy(), 3);
    d.setAll('a', 'b', 'c');
    d.get('a');
    d.set('d');
    expect(d.evicted).toEqual(['b']);
    expect(d.has('a')).toBe(true);
  });

  it('puts a new entry just behind the hand, so the hand reaches it last', () => {
    const d = new Driver(new ClockPolicy(), 3);
    d.setAll('a', 'b', 'c');
    d.get('a');
    d.set('d'); // evicts b; the hand moves on to c, d goes behind it
    d.set('e'); // c
    d.set('f'); // a lost its bit on the first sweep
    d.set('g'); // d, the oldest newcomer
    expect(d.evicted).toEqual(['b', 'c', 'a', 'd']);
  });

  it('when every entry is used, sweeps a full turn and evicts where it started', () => {
    const d = new Driver(new ClockPolicy(), 3);
    d.setAll('a', 'b', 'c');
    d.get('a');
    d.get('b');
    d.get('c');
    d.set('d');
    expect(d.evicted).toEqual(['a']);
  });

  it('yields slots in reverse hand order, the next victim last', () => {
    const d = new Driver(new ClockPolicy(), 4);
    d.setAll('a', 'b', 'c', 'd');
    d.get('a');
    const order = d.order();
    expect(order.at(-1)).toBe('b');
    expect(new Set(order).size).toBe(4);
    expect(d.policy.victim()).toBe(d.slotOf('b'));
  });

  it('moves the hand off a deleted entry', () => {
    const d = new Driver(new ClockPolicy(), 3);
    d.setAll('a', 'b', 'c');
    d.set('d'); // evicts a; hand on b
    d.delete('b');
    d.delete('d');
    d.delete('c');
    expect(d.policy.victim()).toBe(-1);
    d.setAll('x', 'y', 'z', 'w');
    expect(d.evicted).toEqual(['a', 'x']);
  });
});
