import { ConfigError, StoreError } from '@larder/core';
import { describe, expect, it } from 'vitest';
import { type BreakerState, CircuitBreaker, type CircuitBreakerOptions, isOutage } from '../../src/index.js';

const down = () => Promise.reject(new StoreError('unavailable', 'get', 'connection refused'));
const slow = () => Promise.reject(new StoreError('timeout', 'get', 'too slow'));
const up = () => Promise.resolve('ok');

function setup(options: CircuitBreakerOptions = {}) {
  let now = 0;
  const changes: [BreakerState, BreakerState][] = [];
  const breaker = new CircuitBreaker({
    now: () => now,
    onStateChange: (state, previous) => changes.push([state, previous]),
    ...options,
  });
  return {
    breaker,
    changes,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

async function fails(breaker: CircuitBreaker, times: number, fn: () => Promise<unknown> = down) {
  for (let i = 0; i < times; i++) await breaker.run('get', fn).catch(() => {});
}

describe('CircuitBreaker', () => {
  it('opens after failureThreshold consecutive outages, then rejects without calling', async () => {
    const { breaker, changes } = setup({ failureThreshold: 3 });
    await fails(breaker, 2);
    await fails(breaker, 1, slow);
    expect(breaker.state).toBe('open');
    expect(changes).toEqual([['open', 'closed']]);
    let called = false;
    const error = await breaker
      .run('eval larder-get-entry', async () => {
        called = true;
      })
      .catch((e: unknown) => e);
    expect(called).toBe(false);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).reason).toBe('unavailable');
    expect((error as StoreError).operation).toBe('eval larder-get-entry');
    expect((error as Error).message).toMatch(/circuit is open/);
    expect(breaker.stats()).toMatchObject({ state: 'open', failures: 3, rejected: 1, opened: 1 });
  });

  it('counts only consecutive outages: a success in between starts over', async () => {
    const { breaker } = setup({ failureThreshold: 3 });
    await fails(breaker, 2);
    await breaker.run('get', up);
    await fails(breaker, 2);
    expect(breaker.state).toBe('closed');
    expect(breaker.healthy).toBe(false);
    await breaker.run('get', up);
    expect(breaker.healthy).toBe(true);
  });

  it('treats an error reply or unreadable data as Redis answering', async () => {
    const { breaker } = setup({ failureThreshold: 1 });
    await fails(breaker, 3, () => Promise.reject(new StoreError('reply', 'eval x', 'ERR script')));
    await fails(breaker, 3, () => Promise.reject(new StoreError('format', 'get', 'bad entry')));
    await fails(breaker, 3, () => Promise.reject(new RangeError('bad px')));
    expect(breaker.state).toBe('closed');
    // and passes the error on unchanged
    await expect(breaker.run('get', () => Promise.reject(new RangeError('bad px')))).rejects.toThrow(
      RangeError,
    );
  });

  it('half-opens after the cool-down: one probe goes through, the others are still rejected', async () => {
    const { breaker, changes, advance } = setup({ failureThreshold: 1, cooldown: 1000 });
    await fails(breaker, 1);
    advance(999);
    expect(breaker.state).toBe('open');
    advance(1);
    expect(breaker.state).toBe('half-open');
    let release!: () => void;
    const probe = breaker.run('get', () => new Promise<string>((r) => (release = () => r('ok'))));
    await expect(breaker.run('get', up)).rejects.toThrow(/circuit is open/);
    release();
    await expect(probe).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
    expect(changes).toEqual([
      ['open', 'closed'],
      ['half-open', 'open'],
      ['closed', 'half-open'],
    ]);
    await expect(breaker.run('get', up)).resolves.toBe('ok');
  });

  it('opens again for a whole cool-down when the probe fails', async () => {
    const { breaker, advance } = setup({ failureThreshold: 2, cooldown: 500 });
    await fails(breaker, 2);
    advance(500);
    await fails(breaker, 1, slow);
    expect(breaker.state).toBe('open');
    advance(499);
    await expect(breaker.run('get', up)).rejects.toThrow(/circuit is open/);
    advance(1);
    await expect(breaker.run('get', up)).resolves.toBe('ok');
    expect(breaker.stats()).toMatchObject({ opened: 2, state: 'closed' });
  });

  it('ignores late results of calls sent before it opened', async () => {
    const { breaker } = setup({ failureThreshold: 1 });
    let release!: () => void;
    const late = breaker.run('get', () => new Promise<string>((r) => (release = () => r('late'))));
    await fails(breaker, 1);
    release();
    await late;
    expect(breaker.state).toBe('open');
  });

  it('turns a synchronous throw into a rejection', async () => {
    const { breaker } = setup();
    await expect(
      breaker.run('get', () => {
        throw new StoreError('unavailable', 'get', 'closed');
      }),
    ).rejects.toThrow('closed');
  });

  it('reset() closes it at once; a throwing listener changes nothing', async () => {
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      onStateChange: () => {
        throw new Error('listener bug');
      },
    });
    await fails(breaker, 1);
    expect(breaker.state).toBe('open');
    breaker.reset();
    expect(breaker.state).toBe('closed');
    await expect(breaker.run('get', up)).resolves.toBe('ok');
  });

  it.each([
    [{ failureThreshold: 0 }, 'breaker.failureThreshold'],
    [{ failureThreshold: 1.5 }, 'breaker.failureThreshold'],
    [{ cooldown: -1 }, 'breaker.cooldown'],
    [{ cooldown: Number.NaN }, 'breaker.cooldown'],
    [{ now: 1 }, 'breaker.now'],
    [{ onStateChange: 'x' }, 'breaker.onStateChange'],
    [{ bogus: true }, 'breaker.bogus'],
  ])('%o is a ConfigError naming %s', (options, option) => {
    let error: unknown;
    try {
      new CircuitBreaker(options as CircuitBreakerOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe(option);
  });

  it('isOutage tells outages from other failures', () => {
    expect(isOutage(new StoreError('timeout', 'get', 'x'))).toBe(true);
    expect(isOutage(new StoreError('unavailable', 'get', 'x'))).toBe(true);
    expect(isOutage(new StoreError('reply', 'get', 'x'))).toBe(false);
    expect(isOutage(new Error('x'))).toBe(false);
  });
});
