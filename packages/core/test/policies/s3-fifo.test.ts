import { describe, expect, it } from 'vitest';
import { S3FifoPolicy } from '../../src/policies/s3-fifo.js';
import { Driver, keys } from './driver.js';

describe('S3FifoPolicy', () => {
  it('evicts one-hit wonders from the small queue and promotes used entries to main', () => {
    const policy = new S3FifoPolicy();
    const d = new Driver(policy, 10);
    d.setAll(...keys('k', 10));
    d.get('k0');
    d.set('x');
    // k0 was used while in S: it moves to M; k1 was not: it leaves, into the ghost queue
    expect(d.evicted).toEqual(['k1']);
    expect(policy.queueOf(d.slotOf('k0'))).toBe('main');
    expect(policy.ghosts).toBe(1);
  });

  it('lets a scan of one-time keys pass through the small queue without touching main', () => {
    const d = new Driver(new S3FifoPolicy(), 10);
    d.setAll(...keys('k', 10));
    d.get('k0');
    d.get('k1');
    d.setAll(...keys('scan', 1000));
    expect(d.has('k0') && d.has('k1')).toBe(true);
    expect(d.evicted).not.toContain('k0');
  });

  it('inserts a key found in the ghost queue straight into main', () => {
    const policy = new S3FifoPolicy();
    const d = new Driver(policy, 10);
    d.setAll(...keys('k', 11));
    expect(d.evicted).toEqual(['k0']);
    d.set('k0');
    expect(policy.queueOf(d.slotOf('k0'))).toBe('main');
  });

  it('reinserts used entries of main with their counter decremented, evicting the first unused one', () => {
    const policy = new S3FifoPolicy();
    const d = new Driver(policy, 3);
    d.set('a');
    d.get('a');
    d.set('b');
    d.get('b');
    d.set('c');
    d.set('d'); // a and b move to main, c leaves
    expect(d.evicted).toEqual(['c']);
    d.get('a');
    d.get('a'); // a: 3 uses, b: 1
    d.get('d');
    d.set('e'); // d moves to main; main sweeps: b runs out of uses first
    expect(d.evicted).toEqual(['c', 'b']);
    expect(d.has('a') && d.has('d')).toBe(true);
  });

  it('leaves no ghost for a deleted entry', () => {
    const policy = new S3FifoPolicy();
    const d = new Driver(policy, 4);
    d.setAll('a', 'b');
    d.delete('a');
    d.set('a');
    expect(policy.queueOf(d.slotOf('a'))).toBe('small');
    expect(policy.ghosts).toBe(0);
  });

  it('bounds the ghost queue by the size of main (90% of the capacity)', () => {
    const policy = new S3FifoPolicy();
    const d = new Driver(policy, 20);
    d.setAll(...keys('k', 5000));
    expect(policy.ghosts).toBe(18);
    expect(policy.debugSize()).toBe(38);
  });
});
