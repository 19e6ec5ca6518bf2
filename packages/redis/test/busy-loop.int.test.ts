/**
 * A process whose own event loop is busy does not blame Redis: a command answered by Redis while
 * the loop was blocked resolves with its reply instead of timing out (the timeout counts only the
 * time the loop was free), with every client of the matrix, against a real redis-server. And the
 * clients' own timeouts read as `reason: 'timeout'` with a message, not as an anonymous failure.
 */
import { describe, expect, inject, it } from 'vitest';
import { isTimeoutError, toStoreError } from '../src/client-port.js';
import { createRedisBackend, RedisStore, toPort } from '../src/index.js';
import { ChaosPort } from './support/chaos-port.js';
import { clientKinds, uniquePrefix } from './support/clients.js';

const shared = inject('redis');

/** Block this process's event loop for `ms` (a synchronous busy wait: a cold start, a CPU-bound burst). */
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

describe.each(clientKinds)('$name: a command in flight while the event loop is blocked', (kind) => {
  it('resolves with the reply when the loop was blocked past the command timeout', async () => {
    const handle = await kind.single(shared.single);
    const port = toPort(handle.client, { commandTimeout: 200 });
    try {
      const key = `${uniquePrefix('busy')}k`;
      await port.set(key, 'value');
      const reply = port.get(key);
      // Redis answers in about a millisecond; the reply waits in the socket behind the blocked loop
      block(700);
      expect((await reply)?.toString()).toBe('value');
      // an eval (what every L2 read is) likewise
      const store = new RedisStore({ client: port, prefix: uniquePrefix('busy') });
      const read = store.get('absent');
      block(700);
      expect(await read).toBeUndefined();
    } finally {
      await port.close();
      await handle.close();
    }
  });

  it('a fill waiter keeps waiting through a blocked loop: its heartbeat does not time out', async () => {
    const handle = await kind.single(shared.single);
    const other = await kind.single(shared.single);
    const prefix = uniquePrefix('busy-fill');
    const errors: string[] = [];
    // the claim's heartbeat (a GET every commandTimeout ms) finds the loop blocked right after it
    // was sent, three times over: Redis answered each in a millisecond
    let blocks = 3;
    const inner = toPort(handle.client, { commandTimeout: 150 });
    const busy = new (class extends ChaosPort {
      override get(key: string): Promise<Buffer | null> {
        const reply = super.get(key);
        if (blocks-- > 0) block(500);
        return reply;
      }
    })(inner);
    const waiting = createRedisBackend({
      client: busy,
      prefix,
      onError: (error, context) => errors.push(`${context}: ${String(error)}`),
    });
    const filling = createRedisBackend({ client: other.client, prefix, commandTimeout: 150 });
    try {
      const lead = await filling.fills!.claim('k', { wait: 5000 });
      expect(lead.kind).toBe('lead');
      const claim = waiting.fills!.claim('k', { wait: 10_000 });
      let settled = false;
      void claim.then(() => {
        settled = true;
      });
      while (blocks > 0 && !settled) await new Promise((resolve) => setTimeout(resolve, 50));
      if (lead.kind === 'lead') await lead.lease.release({ kind: 'retry', abandoned: false });
      expect(await claim).toEqual({ kind: 'done', outcome: { kind: 'retry', abandoned: false } });
      expect(errors).toEqual([]);
      expect(waiting.breaker?.state).toBe('closed');
    } finally {
      await waiting.close();
      await filling.close();
      await inner.close();
      await handle.close();
      await other.close();
    }
  });
});

describe('the clients own timeouts', () => {
  it("map node-redis's TimeoutError (an Error without a name or message) to 'timeout' with a message", async () => {
    const { TimeoutError } = await import('@redis/client/dist/lib/errors.js');
    const error = toStoreError(new TimeoutError(), 'eval larder-get-entry');
    expect(isTimeoutError(new TimeoutError())).toBe(true);
    expect(error.reason).toBe('timeout');
    expect(error.message).toBe("Redis eval larder-get-entry timed out: the client's TimeoutError");
  });

  it("map ioredis's 'Command timed out' to 'timeout'", () => {
    const error = toStoreError(new Error('Command timed out'), 'get');
    expect(error.reason).toBe('timeout');
    expect(error.message).toBe('Redis get timed out: Command timed out');
  });

  it('name the error class when a client failure has no message', () => {
    class SocketClosedUnexpectedlyError extends Error {}
    const error = toStoreError(new SocketClosedUnexpectedlyError(), 'get');
    expect(error.reason).toBe('unavailable');
    expect(error.message).toBe('Redis get failed: SocketClosedUnexpectedlyError without a message');
  });
});
