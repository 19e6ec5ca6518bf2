/**
 * Redlock over three independent redis-server processes, with node-redis and ioredis: the lock
 * contract, then the quorum (one server down is fine, two are not), release everywhere, the quorum
 * for extend, and the clock-drift allowance, the latter with an injected clock so the arithmetic is
 * exact.
 */
import { ConfigError, LockLostError, LockTimeoutError, LockUnavailableError } from '@larder/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisPort, Redlock, toPort } from '../../src/index.js';
import { type ClientHandle, clientKinds, TEST_COMMAND_TIMEOUT, uniquePrefix } from '../support/clients.js';
import { pollUntil, type RedisServer, startRedisServers } from '../support/redis-server.js';
import { type LockFixture, runLockContract } from './support/lock-contract.js';

const SLACK = 3000;
/** One kind per library. */
const kinds = [
  clientKinds.find((k) => k.name === 'node-redis 6 (RESP3)')!,
  clientKinds.find((k) => k.name === 'ioredis 5 (RESP2)')!,
];

// three servers for the contract suites, started on first use and never killed
let contractServers: Promise<RedisServer[]> | undefined;
afterAll(async () => {
  const servers = await contractServers;
  await Promise.all((servers ?? []).map((s) => s.stop()));
});

for (const kind of kinds) {
  runLockContract(`Redlock, ${kind.name}, 3 servers`, async (): Promise<LockFixture> => {
    contractServers ??= startRedisServers(3);
    const servers = await contractServers;
    const prefix = uniquePrefix('redlock');
    const handles = await Promise.all([...servers, ...servers].map((s) => kind.single(s.port)));
    const ports = handles.map((h) => toPort(h.client, { commandTimeout: TEST_COMMAND_TIMEOUT }));
    const mine = ports.slice(0, 3);
    const theirs = ports.slice(3);
    const options = { prefix, instanceTimeout: 2000 };
    const locks = [
      new Redlock({ clients: mine, ...options }),
      new Redlock({ clients: theirs, ...options }),
    ] as const;
    return {
      locks,
      values: (resource) =>
        Promise.all(mine.map(async (p) => (await p.get(locks[0].key(resource)))?.toString() ?? null)),
      remove: async (resource) => {
        await Promise.all(mine.map((p) => p.del(locks[0].key(resource))));
      },
      close: async () => {
        await Promise.all(locks.map((l) => l.close()));
        await Promise.all(ports.map((p) => p.close()));
        await Promise.all(handles.map((h) => h.close()));
      },
    };
  });
}

describe.each(kinds)('Redlock, $name, quorum', (kind) => {
  let servers: RedisServer[];
  let handles: ClientHandle[];
  let ports: RedisPort[];
  let redlock: Redlock;
  let prefix: string;

  beforeAll(async () => {
    servers = await startRedisServers(3);
    handles = await Promise.all(servers.map((s) => kind.single(s.port)));
    ports = handles.map((h) => toPort(h.client, { commandTimeout: 1000 }));
    prefix = uniquePrefix('redlock');
    redlock = new Redlock({ clients: ports, prefix, instanceTimeout: 300 });
  });
  afterEach(async () => {
    await Promise.all(servers.filter((s) => !s.running).map((s) => s.restart()));
    await pollUntil(
      async () => {
        const probe = await redlock.tryAcquire('probe', { ttl: 1000 }).catch(() => undefined);
        if (probe === undefined) return false;
        // every server, not just a quorum, must be back
        const held = await Promise.all(ports.map((p) => p.get(redlock.key('probe')).catch(() => null)));
        await probe.release();
        return held.every((v) => v?.toString() === probe.token);
      },
      15_000,
      () => 'the servers did not come back',
      50,
    );
  });
  afterAll(async () => {
    await redlock?.close();
    await Promise.all((ports ?? []).map((p) => p.close()));
    await Promise.all((handles ?? []).map((h) => h.close()));
    await Promise.all((servers ?? []).map((s) => s.stop()));
  });

  async function values(resource: string): Promise<(string | null)[]> {
    return Promise.all(
      ports.map(async (p, i) =>
        servers[i]!.running ? ((await p.get(redlock.key(resource)))?.toString() ?? null) : 'down',
      ),
    );
  }

  it('has a quorum of 2 of 3 and the documented drift', () => {
    expect(redlock.quorum).toBe(2);
    expect(redlock.driftFactor).toBe(0.01);
    expect(redlock.drift(10_000)).toBe(102);
  });

  it('acquires, extends and releases with one server down', async () => {
    await servers[2]!.kill();
    const lock = await redlock.acquire('one-down', { ttl: 10_000 });
    expect(await values('one-down')).toEqual([lock.token, lock.token, 'down']);
    await lock.extend(20_000);
    expect(lock.held).toBe(true);
    await lock.release();
    expect(await values('one-down')).toEqual([null, null, 'down']);
  });

  it('fails with LockUnavailableError with two servers down, and leaves no key behind', async () => {
    await Promise.all([servers[1]!.kill(), servers[2]!.kill()]);
    const started = performance.now();
    const error = await redlock.acquire('two-down', { ttl: 10_000, wait: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockUnavailableError);
    expect(error).not.toBeInstanceOf(LockTimeoutError);
    expect((error as LockUnavailableError).cause).toBeInstanceOf(AggregateError);
    // at once, not after waiting out `wait`
    expect(performance.now() - started).toBeLessThan(2 * 300 + SLACK);
    expect(await redlock.tryAcquire('two-down', { ttl: 1000 }).catch((e: unknown) => e)).toBeInstanceOf(
      LockUnavailableError,
    );
    // the one live server granted it each time, and was given it back
    expect(await values('two-down')).toEqual([null, 'down', 'down']);
  });

  it('times out when a quorum is busy, releasing what it got on the others', async () => {
    const key = redlock.key('busy');
    await ports[0]!.set(key, 'someone-else', { px: 10_000 });
    await ports[1]!.set(key, 'someone-else', { px: 10_000 });
    const error = await redlock.acquire('busy', { ttl: 5000, wait: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect(await values('busy')).toEqual(['someone-else', 'someone-else', null]);
    // a minority held by someone else does not stop a quorum
    await ports[1]!.del(key);
    const lock = await redlock.acquire('busy', { ttl: 5000, wait: 0 });
    expect(await values('busy')).toEqual(['someone-else', lock.token, lock.token]);
    await lock.release();
    expect(await values('busy')).toEqual(['someone-else', null, null]);
    await ports[0]!.del(key);
  });

  it('releases on every server, and needs a quorum to extend', async () => {
    const lock = await redlock.acquire('extend', { ttl: 10_000 });
    expect(await values('extend')).toEqual([lock.token, lock.token, lock.token]);
    await ports[0]!.del(redlock.key('extend'));
    await lock.extend(); // 2 of 3
    expect(lock.held).toBe(true);
    await ports[1]!.del(redlock.key('extend'));
    const error = await lock.extend().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockLostError);
    expect(lock.signal.reason).toBe(error);
    expect(await values('extend')).toEqual([null, null, lock.token]);
    // the release still deletes this holder's key wherever it is, and reports the loss
    expect(await lock.release().catch((e: unknown) => e)).toBeInstanceOf(LockLostError);
    expect(await values('extend')).toEqual([null, null, null]);

    const whole = await redlock.acquire('extend', { ttl: 10_000 });
    await ports[2]!.del(redlock.key('extend'));
    await whole.release(); // 2 of 3 confirm
    expect(await values('extend')).toEqual([null, null, null]);
  });

  it('takes the clock-drift allowance (and the time spent) off the validity', async () => {
    let clock = 1_000_000;
    let step = 0;
    // a clock that moves only when read, by `step`: each acquisition takes exactly `step` ms
    const now = () => {
      clock += step;
      return clock;
    };
    const make = (driftFactor?: number) =>
      new Redlock({
        clients: ports,
        prefix,
        instanceTimeout: 300,
        now,
        ...(driftFactor === undefined ? {} : { driftFactor }),
      });

    const frozen = make();
    const lock = await frozen.acquire('drift', { ttl: 10_000 });
    // validity = ttl - elapsed (0) - (ttl × 0.01 + 2)
    expect(lock.validity).toBe(10_000 - 102);
    expect(lock.expiresAt).toBe(clock + 10_000 - 102);
    await lock.release();

    const wide = make(0.25);
    const wideLock = await wide.acquire('drift', { ttl: 10_000 });
    expect(wideLock.validity).toBe(10_000 - 2502);
    await wideLock.release();

    // each attempt takes 995 ms of a 1000 ms ttl: the 2 ms floor leaves 3 ms, the 1 % drift nothing
    step = 995;
    const noDrift = make(0);
    const tight = await noDrift.acquire('drift', { ttl: 1000, wait: 0 });
    expect(await values('drift')).toEqual([tight.token, tight.token, tight.token]);
    await tight.release();
    const error = await frozen.acquire('drift', { ttl: 1000, wait: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    // every server granted it, and every server was given it back
    expect(await values('drift')).toEqual([null, null, null]);
    step = 0;
    await Promise.all([frozen.close(), wide.close(), noDrift.close()]);
  });

  it('rejects invalid options with a ConfigError', () => {
    expect(() => new Redlock({ clients: [] })).toThrow(ConfigError);
    expect(() => new Redlock({ clients: [ports[0], ports[0]] })).toThrow(/distinct/);
    expect(() => new Redlock({ clients: [ports[0], {}] })).toThrow(/clients\[1\]/);
    expect(() => new Redlock({ clients: ports, driftFactor: 1 })).toThrow(/driftFactor/);
    expect(() => new Redlock({ clients: ports, instanceTimeout: 0 })).toThrow(/instanceTimeout/);
    expect(() => new Redlock({ clients: ports, seed: 0.5 })).toThrow(/seed/);
    expect(() => new Redlock({ clients: ports, seed: Number.NaN })).toThrow(/seed/);
  });
});
