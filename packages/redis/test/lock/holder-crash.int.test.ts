/**
 * A lock holder PROCESS killed with SIGKILL: it cannot release, and its auto-extension dies with it.
 * A waiter in this process, already waiting when the holder dies, must get the lock once the dead
 * holder's key expires: not before (the key's remaining `PTTL`, read from Redis right after the kill,
 * is the reference), and not much after (generous bound).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Lock, RedisLock, toPort } from '../../src/index.js';
import { type ClientHandle, clientKinds, TEST_COMMAND_TIMEOUT, uniquePrefix } from '../support/clients.js';
import { redisCli } from '../support/redis-server.js';

const shared = inject('redis');
const TTL = 1500;
const SLACK = 3000;

const register = fileURLToPath(new URL('./support/ts-register.mjs', import.meta.url));
const holderScript = fileURLToPath(new URL('./fixtures/lock-holder.ts', import.meta.url));

/** Starts a holder process and resolves once it holds the lock. */
function startHolder(
  library: string,
  prefix: string,
  resource: string,
): Promise<{ child: ChildProcess; token: string; key: string }> {
  const child = spawn(
    process.execPath,
    ['--import', register, holderScript, library, String(shared.single), prefix, resource, String(TTL)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the holder did not take the lock within 20 s:\n${stderr}`));
    }, 20_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the holder exited early (${code ?? signal}):\n${stderr}`));
    });
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      const { token, key } = JSON.parse(line) as { token: string; key: string };
      resolve({ child, token, key });
    });
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    }
  });
}

describe.each([
  clientKinds.find((k) => k.name === 'node-redis 6 (RESP3)')!,
  clientKinds.find((k) => k.name === 'ioredis 5 (RESP2)')!,
])('a lock holder process killed with SIGKILL ($library)', (kind) => {
  let handle: ClientHandle;
  let locks: RedisLock;
  let prefix: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    handle = await kind.single(shared.single);
    prefix = uniquePrefix('crash');
    locks = new RedisLock({
      client: toPort(handle.client, { commandTimeout: TEST_COMMAND_TIMEOUT }),
      prefix,
    });
  });
  afterAll(async () => {
    await Promise.all(children.map(killed));
    await locks?.close();
    await handle?.close();
  });

  it('frees the lock by expiry: a waiter acquires within ttl plus a margin of the kill', async () => {
    const resource = 'GET example.com/slow-origin';
    const holder = await startHolder(kind.library, prefix, resource);
    children.push(holder.child);
    expect(holder.key).toBe(locks.key(resource));
    expect(await redisCli(shared.single, 'GET', holder.key)).toBe(holder.token);

    let killedAt = Number.POSITIVE_INFINITY;
    let acquiredAt = Number.NaN;
    const waiting = locks
      .acquire(resource, { ttl: 10_000, wait: 3 * TTL + SLACK, retryDelay: 20 })
      .then((lock: Lock) => {
        acquiredAt = performance.now();
        return lock;
      });
    // awaited below; until then, a rejection must not count as unhandled
    waiting.catch(() => {});
    // the holder is alive and auto-extending: the waiter does not get in for more than a ttl
    await new Promise((r) => setTimeout(r, 1.5 * TTL));
    expect(await redisCli(shared.single, 'GET', holder.key)).toBe(holder.token);
    expect(Number.isNaN(acquiredAt)).toBe(true);

    await killed(holder.child);
    killedAt = performance.now();
    // what Redis says is left of the dead holder's lock (at most a ttl: it was extended every ttl/5)
    const left = Number(await redisCli(shared.single, 'PTTL', holder.key));
    const lock = await waiting;
    const waited = acquiredAt - killedAt;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(TTL);
    // not before the dead holder's key expired...
    expect(waited).toBeGreaterThanOrEqual(left - 50);
    // ...and soon after: within the ttl plus a margin
    expect(waited).toBeLessThan(TTL + SLACK);
    expect(await redisCli(shared.single, 'GET', holder.key)).toBe(lock.token);
    await lock.release();
  });
});
