import { describe, expect, it } from 'vitest';
import { LinkedSlots } from '../../src/policies/linked-slots.js';

describe('LinkedSlots.insertBefore', () => {
  it('inserts on the older side of a slot, in the middle or at the head', () => {
    const list = new LinkedSlots(8);
    list.push(1);
    list.push(2);
    list.insertBefore(3, 2);
    list.insertBefore(4, 1);
    expect([...list.newestFirst()]).toEqual([2, 3, 1, 4]);
    expect([list.head, list.tail, list.length]).toEqual([4, 2, 4]);
    expect(list.shift()).toBe(4);
  });
});
