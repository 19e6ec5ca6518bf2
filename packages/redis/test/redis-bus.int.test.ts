import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ReceivedInvalidation, RedisBus, toPort } from '../src/index.js';
import {
  type ClientHandle,
  type ClientKind,
  clientKinds,
  TEST_COMMAND_TIMEOUT,
  uniquePrefix,
} from './support/clients.js';
import { pollUntil } from './support/redis-server.js';

const shared = inject('redis');

/** Collects what a bus delivers, and waits for the next one. */
function inbox() {
  const received: ReceivedInvalidation[] = [];
  const waiters: (() => void)[] = [];
  return {
    received,
    listener: (m: ReceivedInvalidation) => {
      received.push(m);
      for (const w of waiters.splice(0)) w();
    },
    async next(count: number): Promise<void> {
      while (received.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

type Open = () => Promise<ClientHandle>;

function busSuite(label: string, openA: Open, openB: Open) {
  describe(`RedisBus: ${label}`, () => {
    let a: ClientHandle;
    let b: ClientHandle;
    let busA: RedisBus;
    let busB: RedisBus;
    const errors: unknown[] = [];

    beforeAll(async () => {
      [a, b] = await Promise.all([openA(), openB()]);
      const prefix = uniquePrefix('bus');
      busA = new RedisBus({
        client: a.client,
        prefix,
        instanceId: 'instance-a',
        commandTimeout: TEST_COMMAND_TIMEOUT,
      });
      busB = new RedisBus({
        commandTimeout: TEST_COMMAND_TIMEOUT,
        client: b.client,
        prefix,
        instanceId: 'instance-b',
        onError: (e) => errors.push(e),
      });
    });
    afterAll(async () => {
      await Promise.all([busA?.close(), busB?.close()]);
      await Promise.all([a?.close(), b?.close()]);
    });

    it('delivers invalidations to the other instance, not back to the sender', async () => {
      const atA = inbox();
      const atB = inbox();
      const ownToo = inbox();
      const offA = await busA.subscribe(atA.listener);
      const offOwn = await busA.subscribe(ownToo.listener, { includeOwn: true });
      const offB = await busB.subscribe(atB.listener);
      expect(busA.channel).toMatch(/bus$/);
      expect(
        await busA.publish({ keys: ['GET a/{1}'], tags: ['url:/a', 'product:42'] }),
      ).toBeGreaterThanOrEqual(1);
      await busA.publish({ clear: true });
      await busB.publish({ tags: ['from-b'] });
      await Promise.all([atB.next(2), atA.next(1), ownToo.next(3)]);
      expect(atB.received).toEqual([
        { keys: ['GET a/{1}'], tags: ['url:/a', 'product:42'], clear: false, from: 'instance-a' },
        { keys: [], tags: [], clear: true, from: 'instance-a' },
      ]);
      expect(atA.received).toEqual([{ keys: [], tags: ['from-b'], clear: false, from: 'instance-b' }]);
      expect(ownToo.received.map((m) => m.from)).toEqual(['instance-a', 'instance-a', 'instance-b']);
      await Promise.all([offA(), offB(), offOwn()]);
    });

    it('reports malformed messages and keeps delivering', async () => {
      const atB = inbox();
      const off = await busB.subscribe(atB.listener);
      const raw = toPort(a.client, { commandTimeout: TEST_COMMAND_TIMEOUT });
      await raw.publish(busB.channel, 'not json');
      await raw.publish(busB.channel, JSON.stringify({ v: 2, from: 'future' }));
      await busA.publish({ keys: ['k'] });
      await atB.next(1);
      expect(atB.received).toEqual([{ keys: ['k'], tags: [], clear: false, from: 'instance-a' }]);
      await pollUntil(
        () => errors.length >= 2,
        2000,
        () => `errors: ${errors.length}`,
      );
      await raw.close();
      await off();
    });
  });
}

const single =
  (kind: ClientKind): Open =>
  () =>
    kind.single(shared.single);
for (const kind of clientKinds) {
  busSuite(`${kind.name}, standalone`, single(kind), single(kind));
  const cluster = kind.cluster;
  if (cluster !== undefined)
    busSuite(
      `${kind.name}, cluster`,
      () => cluster(shared.cluster),
      () => cluster(shared.cluster),
    );
}

const nodeRedis6 = clientKinds.find((k) => k.name.startsWith('node-redis 6'))!;
const ioredis6 = clientKinds.find((k) => k.name === 'ioredis 6 (RESP3)')!;
busSuite(
  'node-redis 6 and ioredis 6 on one cluster',
  () => nodeRedis6.cluster!(shared.cluster),
  () => ioredis6.cluster!(shared.cluster),
);
