/**
 * The store contract of `@larder/core/testing`, registered as vitest tests: one `describe` per store,
 * one `it` per case. The cases themselves are core's (framework-free); this only wires them in.
 */
import { makeEntry, type StoreFixture, storeContractCases } from '@larder/core/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';

export { makeEntry, type StoreFixture };

/** Registers the store contract as a `describe` block named `name`. */
export function runStoreContract(name: string, setup: () => Promise<StoreFixture>): void {
  describe(`ResponseStore contract: ${name}`, () => {
    let fixture: StoreFixture;
    beforeAll(async () => {
      fixture = await setup();
    });
    afterAll(async () => {
      await fixture?.close();
    });
    for (const c of storeContractCases) it(c.name, () => c.run(fixture));
  });
}
