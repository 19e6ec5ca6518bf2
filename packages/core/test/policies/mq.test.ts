import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { MqPolicy } from '../../src/policies/mq.js';
import { Driver, keys } from './driver.js';

describe('MqPolicy', () => {
  it('keeps an entry used f times in queue floor(log2 f)', () => {
    const d = new Driver(new MqPolicy(), 4);
    d.set('a');
    const queueOfA = () => (d.policy as MqPolicy).queueOf(d.slotOf('a'));
    expect(queueOfA()).toBe(0);
    d.get('a');
    expect(queueOfA()).toBe(1);
    d.get('a');
    expect(queueOfA()).toBe(1);
    d.get('a');
    expect(queueOfA()).toBe(2);
  });

  it('evicts the least recently used entry of the lowest queue', () => {
    const d = new Driver(new MqPolicy(), 3);
    d.setAll('a', 'b', 'c');
    d.get('a');
    d.get('b');
    d.set('d');
    expect(d.evicted).toEqual(['c']);
    d.set('e');
    expect(d.evicted).toEqual(['c', 'd']);
  });

  it('remembers the use count of an evicted key in Qout, and not of a deleted one', () => {
    const policy = new MqPolicy();
    const d = new Driver(policy, 1);
    d.set('a');
    d.get('a');
    d.get('a');
    d.get('a'); // 4 uses
    d.set('b'); // evicts a: Qout remembers 4
    expect(policy.history).toBe(1);
    d.set('a'); // evicts b; a resumes at 5 uses
    expect(policy.queueOf(d.slotOf('a'))).toBe(2);
    d.delete('a');
    expect(policy.history).toBe(1); // b, not a
    d.set('a');
    expect(policy.queueOf(d.slotOf('a'))).toBe(0);
  });

  it('demotes an entry left unused past its lifetime one queue down', () => {
    const policy = new MqPolicy({ lifetime: 1 });
    const d = new Driver(policy, 4); // lifetime: 4 requests
    d.set('a');
    d.get('a'); // queue 1, expires 4 ticks later
    d.set('b');
    d.set('c');
    d.set('d');
    expect(policy.queueOf(d.slotOf('a'))).toBe(1);
    d.get('b');
    d.get('c');
    expect(policy.queueOf(d.slotOf('a'))).toBe(0);
  });

  it('bounds Qout by the history factor under key churn', () => {
    const policy = new MqPolicy();
    const d = new Driver(policy, 50);
    for (const key of keys('k', 5000)) d.set(key);
    expect(policy.history).toBe(150);
    expect(policy.debugSize()).toBe(200);
  });

  it('rejects bad options, naming them', () => {
    expect(() => new MqPolicy({ queues: 0 })).toThrow(ConfigError);
    expect(() => new MqPolicy({ queues: 1.5 })).toThrow(/queues/);
    expect(() => new MqPolicy({ lifetime: 0 })).toThrow(/lifetime/);
    expect(() => new MqPolicy({ history: -1 })).toThrow(/history/);
  });
});
