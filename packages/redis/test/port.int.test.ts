import { StoreError } from '@larder/core';
import { describe, expect, inject, it } from 'vitest';
import { toPort } from '../src/index.js';
import { clientKinds, protocolOf, TEST_COMMAND_TIMEOUT } from './support/clients.js';
import { runPortContract } from './support/port-contract.js';

const shared = inject('redis');

for (const kind of clientKinds) {
  runPortContract(
    `${kind.name}, standalone`,
    async () => {
      const handle = await kind.single(shared.single);
      const port = toPort(handle.client, { commandTimeout: TEST_COMMAND_TIMEOUT });
      return {
        port,
        servers: [shared.single],
        close: async () => {
          await port.close();
          await handle.close();
        },
      };
    },
    false,
  );
  const cluster = kind.cluster;
  if (cluster !== undefined) {
    runPortContract(
      `${kind.name}, cluster`,
      async () => {
        const handle = await cluster(shared.cluster);
        const port = toPort(handle.client, { commandTimeout: TEST_COMMAND_TIMEOUT });
        return {
          port,
          servers: shared.cluster,
          close: async () => {
            await port.close();
            await handle.close();
          },
        };
      },
      true,
    );
  }
}

describe('toPort', () => {
  it.each(clientKinds)('detects $name and names its library', async (kind) => {
    const handle = await kind.single(shared.single);
    try {
      const port = toPort(handle.client);
      expect(port.client).toBe(kind.library);
      // the matrix really covers both protocols
      expect(await protocolOf(handle.client)).toBe(kind.resp);
      expect(port.cluster).toBe(false);
      expect(toPort(port)).toBe(port);
      await port.close();
      await port.close();
      const error = await port.get('x').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).reason).toBe('unavailable');
    } finally {
      await handle.close();
    }
  });
});
