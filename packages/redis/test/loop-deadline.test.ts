/**
 * LoopDeadline: the time this process's event loop was blocked does not count towards a timeout,
 * a wall-clock cap still bounds it, and a cancelled deadline never fires.
 */
import { describe, expect, it, vi } from 'vitest';
import { LoopDeadline } from '../src/loop-deadline.js';

function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

const tick = (ms = 1) => new Promise((resolve) => setTimeout(resolve, ms));

describe('LoopDeadline', () => {
  it('fires after the timeout when the loop is free', async () => {
    const fire = vi.fn();
    new LoopDeadline(20, fire);
    await tick(200);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('does not count a blocked loop: the timer is armed again for the rest', async () => {
    const fire = vi.fn();
    new LoopDeadline(100, fire);
    block(300);
    // the expired timer ran first and found the loop had been blocked for the whole wait
    await tick();
    expect(fire).not.toHaveBeenCalled();
    await tick(400);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('fires at the wall-clock cap however long the loop was blocked', async () => {
    const fire = vi.fn();
    new LoopDeadline(100, fire, 150);
    block(300);
    await tick();
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('never fires once cancelled', async () => {
    const fire = vi.fn();
    const deadline = new LoopDeadline(10, fire);
    deadline.cancel();
    deadline.cancel();
    await tick(100);
    expect(fire).not.toHaveBeenCalled();
  });
});
