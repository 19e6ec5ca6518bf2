/**
 * The {@link ResponseStore} contract, written once and run against every store (core's
 * `MemoryStore` and `TieredStore`, `RedisStore` on every client adapter, a user's own) to prove they
 * mean the same thing: byte-exact entries, expiry at `expiresAt`, replacement that re-indexes tags,
 * `deleteByTags` that removes exactly the tagged entries and leaves no index behind, `clear`.
 *
 * Framework-free: each case throws a {@link StoreContractError} when a property does not hold, so
 * the suite runs under vitest, node:test, jest or a plain script. Run it whole with
 * {@link runStoreContract}, or one test per case through {@link storeContractCases}.
 */
import type { ResponseStore, StoredEntry } from '../store/types.js';

/** What the contract needs of one store under test. */
export interface StoreFixture {
  store: ResponseStore;
  /** The store's clock, ms since the epoch. */
  now(): number;
  /**
   * Lets `ms` pass for the store: advances an injected clock, or does nothing where real time runs
   * (Redis; the case then polls, bounded by {@link StoreContractOptions.expiryTimeout}, for the expiry).
   */
  elapse(ms: number): Promise<void>;
  /**
   * Everything the store holds: entries plus tag index records (one per live tag). For Redis, the
   * keys under the store's prefix, counted with `SCAN`.
   */
  countRecords(): Promise<number>;
  close(): Promise<void>;
}

/** Options of the contract's cases. */
export interface StoreContractOptions {
  /**
   * How long, in ms, a case waits for an entry to disappear once its `expiresAt` has passed (a real
   * server expires keys on its own schedule).
   * @defaultValue 3000
   */
  expiryTimeout?: number;
}

/** One property of the contract, run against a fixture whose store it may clear. */
export interface StoreContractCase {
  /** The property, in words (`'returns what was stored, byte for byte'`). */
  readonly name: string;
  run(fixture: StoreFixture, options?: StoreContractOptions): Promise<void>;
}

/** What {@link runStoreContract} checked, returned when every case held. */
export interface StoreContractReport {
  /** The names of the cases run, in order. */
  cases: string[];
}

/** A property of the store contract that did not hold. */
export class StoreContractError extends Error {
  /** The case whose property failed. */
  readonly property: string;
  constructor(property: string, message: string) {
    super(`${property}: ${message}`);
    this.name = 'StoreContractError';
    this.property = property;
  }
}

/** An entry stored at `now` that expires `ttl` ms later, with a small text body and no tags. */
export function makeEntry(now: number, ttl: number, overrides: Partial<StoredEntry> = {}): StoredEntry {
  return {
    status: 200,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: new TextEncoder().encode('hello'),
    storedAt: now,
    initialAge: 0,
    staleAt: now + ttl,
    staleWhileRevalidateUntil: now + ttl,
    staleIfErrorUntil: now + ttl,
    expiresAt: now + ttl,
    tags: [],
    ...overrides,
  };
}

const MINUTE = 60_000;

/** A comparable text of a stored value: bodies as byte lists, object keys sorted. */
function show(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    // a Buffer's toJSON has already run on `v`: read the holder's own value
    const raw = this[key];
    if (raw instanceof Uint8Array) return { bytes: [...raw] };
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .filter((k) => o[k] !== undefined)
          .sort()
          .map((k) => [k, o[k]]),
      );
    }
    return v;
  });
}

/** The checks of one case: each throws a {@link StoreContractError} naming the case. */
class Checks {
  readonly #property: string;
  constructor(property: string) {
    this.#property = property;
  }

  equal(actual: unknown, expected: unknown, what: string): void {
    const a = show(actual);
    const e = show(expected);
    if (a !== e) throw new StoreContractError(this.#property, `${what}: expected ${e}, got ${a}`);
  }

  ok(condition: boolean, what: string): void {
    if (!condition) throw new StoreContractError(this.#property, what);
  }

  async records(f: StoreFixture, expected: number, when: string): Promise<void> {
    this.equal(await f.countRecords(), expected, `records ${when}`);
  }
}

function defineCase(
  name: string,
  body: (
    f: StoreFixture,
    store: ResponseStore,
    t: Checks,
    options: Required<StoreContractOptions>,
  ) => Promise<void>,
  clearFirst = true,
): StoreContractCase {
  return {
    name,
    async run(f, options = {}) {
      const t = new Checks(name);
      if (clearFirst) {
        await f.store.clear();
        await t.records(f, 0, 'after clear()');
      }
      await body(f, f.store, t, { expiryTimeout: options.expiryTimeout ?? 3000 });
    },
  };
}

/** Polls `probe` every 20 ms until it is true, for at most `timeout` ms. */
async function eventually(probe: () => Promise<boolean>, timeout: number): Promise<boolean> {
  const deadline = performance.now() + timeout;
  for (;;) {
    if (await probe()) return true;
    if (performance.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The cases of the store contract, in the order {@link runStoreContract} runs them. */
export const storeContractCases: readonly StoreContractCase[] = [
  defineCase(
    'resolves undefined for a key never set',
    async (_, store, t) => {
      t.equal(await store.get('never'), undefined, "get('never')");
    },
    false,
  ),

  defineCase('returns what was stored, byte for byte', async (f, store, t) => {
    const body = Uint8Array.from([...Array.from({ length: 256 }, (_, i) => i), 0xc3, 0x28, 0x80, 0]);
    const now = f.now();
    const entry = makeEntry(now, MINUTE, {
      status: 203,
      headers: {
        'content-type': 'application/octet-stream',
        'set-cookie-like': ['a=1', 'b=2; Path=/'],
        // Latin-1 beyond ASCII: what Node can send (a field it cannot send is a corrupt entry)
        'x-unicode': 'déjà vu',
        etag: '"abc"',
      },
      body,
      storedAt: now - 5,
      initialAge: 7,
      staleAt: now + 1000,
      staleWhileRevalidateUntil: now + 30_000,
      staleIfErrorUntil: now + 45_000,
      expiresAt: now + MINUTE,
      tags: ['t1', 'url:/x'],
      vary: ['accept-encoding', 'accept-language'],
    });
    await store.set('bytes', entry);
    const got = await store.get('bytes');
    t.equal(got, entry, 'the entry read back');
    t.ok(got?.body instanceof Uint8Array, 'the body read back is a Uint8Array');
  }),

  defineCase('stores an empty body and a 1 MiB body', async (f, store, t) => {
    const big = new Uint8Array(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    await store.set('empty', makeEntry(f.now(), MINUTE, { body: new Uint8Array(0), status: 204 }));
    await store.set('big', makeEntry(f.now(), MINUTE, { body: big }));
    t.equal((await store.get('empty'))?.body.byteLength, 0, 'the empty body');
    const got = (await store.get('big'))?.body;
    t.equal(got?.byteLength, big.byteLength, 'the 1 MiB body length');
    let same = got !== undefined;
    for (let i = 0; same && i < big.length; i++) same = got?.[i] === big[i];
    t.ok(same, 'the 1 MiB body read back differs from what was stored');
  }),

  defineCase('takes keys and tags of any characters', async (f, store, t) => {
    const odd = [
      '',
      '{',
      '}',
      '{}',
      'a}b{c',
      '*?[x]\\',
      'line\nbreak',
      ' spaced key ',
      'ünï ✓',
      'GET example.com/a?b=1&c={2}',
    ];
    for (const [i, key] of odd.entries()) {
      const tags = [odd[(i + 1) % odd.length] as string, 'odd'];
      await store.set(key, makeEntry(f.now(), MINUTE, { tags, status: 200 + i }));
    }
    for (const [i, key] of odd.entries())
      t.equal((await store.get(key))?.status, 200 + i, `status of ${key}`);
    t.equal(await store.deleteByTags(['{}']), 1, "deleteByTags(['{}'])");
    t.equal(await store.get('}'), undefined, "get('}') after its tag was deleted");
    t.equal(await store.deleteByTags(['odd']), odd.length - 1, "deleteByTags(['odd'])");
    await t.records(f, 0, 'at the end');
  }),

  defineCase('replaces an entry and re-indexes its tags', async (f, store, t) => {
    await store.set('k', makeEntry(f.now(), MINUTE, { tags: ['a', 'b'], status: 200 }));
    await store.set('k', makeEntry(f.now(), MINUTE, { tags: ['b', 'c'], status: 201 }));
    t.equal((await store.get('k'))?.status, 201, 'status after the replacement');
    await t.records(f, 3, 'for the entry and tags b and c');
    t.equal(await store.deleteByTags(['a']), 0, "deleteByTags(['a']), a tag of the replaced entry");
    t.equal((await store.get('k'))?.status, 201, "status after deleteByTags(['a'])");
    t.equal(await store.deleteByTags(['c']), 1, "deleteByTags(['c'])");
    t.equal(await store.get('k'), undefined, "get('k') after its tag was deleted");
    await t.records(f, 0, 'at the end');
  }),

  defineCase(
    'deletes a key and its index records; deleting a missing key is a no-op',
    async (f, store, t) => {
      await store.set('d', makeEntry(f.now(), MINUTE, { tags: ['x', 'y'] }));
      await store.set('e', makeEntry(f.now(), MINUTE, { tags: ['y'] }));
      await t.records(f, 4, 'for two entries and tags x and y');
      await store.delete('d');
      t.equal(await store.get('d'), undefined, "get('d') after delete");
      t.equal((await store.get('e'))?.status, 200, "get('e') after deleting d");
      await t.records(f, 2, 'for e and its tag y');
      await store.delete('d');
      await store.delete('never-there');
      await store.delete('e');
      await t.records(f, 0, 'at the end');
    },
  ),

  defineCase(
    'deletes exactly the entries carrying any of the tags, counting each once, and cleans the index',
    async (f, store, t) => {
      const tagsOf = (i: number) => [
        `item:${i}`,
        i % 2 === 0 ? 'even' : 'odd',
        ...(i % 3 === 0 ? ['three'] : []),
      ];
      for (let i = 0; i < 30; i++) await store.set(`k${i}`, makeEntry(f.now(), MINUTE, { tags: tagsOf(i) }));
      await t.records(f, 30 + 30 + 2 + 1, 'for 30 entries and their tags');
      const hit = (i: number) => i % 2 === 0 || i % 3 === 0;
      const expected = Array.from({ length: 30 }, (_, i) => i).filter(hit).length;
      t.equal(
        await store.deleteByTags(['even', 'three', 'no-such-tag', 'even']),
        expected,
        "deleteByTags(['even', 'three', 'no-such-tag', 'even'])",
      );
      for (let i = 0; i < 30; i++) {
        if (hit(i)) t.equal(await store.get(`k${i}`), undefined, `k${i}, tagged`);
        else t.equal((await store.get(`k${i}`))?.tags, tagsOf(i), `tags of k${i}, untagged`);
      }
      const left = 30 - expected;
      await t.records(f, left + left + 1, "for the entries left, their item tags and 'odd'");
      t.equal(await store.deleteByTags(['odd']), left, "deleteByTags(['odd'])");
      await t.records(f, 0, 'at the end');
      t.equal(await store.deleteByTags([]), 0, 'deleteByTags([])');
    },
  ),

  defineCase('counts every entry of a large tag and leaves nothing behind', async (f, store, t) => {
    await Promise.all(
      Array.from({ length: 1200 }, (_, i) =>
        store.set(`bulk${i}`, makeEntry(f.now(), MINUTE, { tags: ['all'] })),
      ),
    );
    await t.records(f, 1201, 'for 1200 entries and their tag');
    t.equal(await store.deleteByTags(['all']), 1200, "deleteByTags(['all'])");
    await t.records(f, 0, 'at the end');
  }),

  defineCase('expires an entry at its expiresAt', async (f, store, t, o) => {
    await store.set('short', makeEntry(f.now(), 80, { tags: ['s'] }));
    await store.set('long', makeEntry(f.now(), MINUTE));
    t.ok((await store.get('short')) !== undefined, 'an entry 80 ms from expiry was not there');
    await f.elapse(81);
    const gone = await eventually(async () => (await store.get('short')) === undefined, o.expiryTimeout);
    t.ok(gone, `the entry was still there ${o.expiryTimeout} ms after its expiresAt`);
    t.ok((await store.get('long')) !== undefined, 'an entry one minute from expiry went with it');
  }),

  defineCase(
    'does not store an entry already expired, and removes the one it replaces',
    async (f, store, t) => {
      await store.set('gone', makeEntry(f.now(), MINUTE, { tags: ['g'] }));
      await store.set('gone', makeEntry(f.now() - MINUTE, 1000, { tags: ['g'] }));
      t.equal(await store.get('gone'), undefined, 'an entry replaced by an expired one');
      await store.set('never', makeEntry(f.now(), 0));
      t.equal(await store.get('never'), undefined, 'an entry expiring as it is set');
      await t.records(f, 0, 'at the end');
    },
  ),

  defineCase('clears everything', async (f, store, t) => {
    for (let i = 0; i < 50; i++)
      await store.set(`c${i}`, makeEntry(f.now(), MINUTE, { tags: [`t${i % 5}`] }));
    await t.records(f, 55, 'for 50 entries and 5 tags');
    await store.clear();
    await t.records(f, 0, 'after clear()');
    t.equal(await store.get('c1'), undefined, "get('c1') after clear()");
    await store.set('after', makeEntry(f.now(), MINUTE, { tags: ['t1'] }));
    t.equal(await store.deleteByTags(['t1']), 1, "deleteByTags(['t1']) of an entry set after clear()");
  }),
];

/**
 * Runs every case of the store contract, in order, against one fixture (closed at the end, also on
 * failure).
 * @throws {@link StoreContractError} for the first property that does not hold.
 */
export async function runStoreContract(
  setup: () => Promise<StoreFixture>,
  options: StoreContractOptions = {},
): Promise<StoreContractReport> {
  const fixture = await setup();
  try {
    for (const c of storeContractCases) await c.run(fixture, options);
  } finally {
    await fixture.close();
  }
  return { cases: storeContractCases.map((c) => c.name) };
}
