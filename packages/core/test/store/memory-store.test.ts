import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { LruPolicy } from '../../src/policies/lru.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { StoredEntry } from '../../src/store/types.js';

const T0 = 1_700_000_000_000;

function entry(bytes: number, tags: string[], expiresIn = 60_000, now = T0): StoredEntry {
  return {
    status: 200,
    headers: { 'content-type': 'text/plain' },
    body: new Uint8Array(bytes),
    storedAt: now,
    initialAge: 0,
    staleAt: now + expiresIn,
    staleWhileRevalidateUntil: now + expiresIn,
    staleIfErrorUntil: now + expiresIn,
    expiresAt: now + expiresIn,
    tags,
  };
}

const stores: MemoryStore[] = [];
function store(options: ConstructorParameters<typeof MemoryStore>[0] & object) {
  const s = new MemoryStore(options);
  stores.push(s);
  return s;
}
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

describe('MemoryStore', () => {
  it('stores, reads, deletes and clears', async () => {
    const now = T0;
    const s = store({ now: () => now });
    const e = entry(10, ['a']);
    await s.set('k', e);
    expect(await s.get('k')).toBe(e);
    await s.delete('k');
    expect(await s.get('k')).toBeUndefined();
    await s.set('k', e);
    await s.clear();
    expect(s.size).toBe(0);
    expect(s.tagCount).toBe(0);
  });

  it('is bounded by entries', async () => {
    const s = store({ maxEntries: 3, now: () => T0, policy: 'lru' });
    for (let i = 0; i < 10; i++) await s.set(`k${i}`, entry(1, [`t${i}`, 'all']));
    expect(s.size).toBe(3);
    expect(s.tagCount).toBe(4);
    expect(await s.get('k9')).toBeDefined();
    expect(await s.get('k0')).toBeUndefined();
  });

  it('is bounded by bytes, counting bodies and headers', async () => {
    const s = store({ maxBytes: 10_000, now: () => T0, policy: 'lru' });
    for (let i = 0; i < 10; i++) await s.set(`k${i}`, entry(2000, ['t']));
    expect(s.bytes).toBeLessThanOrEqual(10_000);
    expect(s.size).toBeLessThan(5);
    expect(s.size).toBeGreaterThan(0);
    // an entry larger than the whole store is not stored, and removes what was at its key
    await s.set('k9', entry(20_000, ['big']));
    expect(await s.get('k9')).toBeUndefined();
    expect(s.tagCount).toBe(1);
  });

  it('drops evicted entries from the tag index (no leak)', async () => {
    const s = store({ maxEntries: 100, now: () => T0 });
    for (let i = 0; i < 5000; i++) await s.set(`k${i}`, entry(1, [`tag-${i}`, `group-${i % 7}`]));
    expect(s.size).toBeLessThanOrEqual(100);
    expect(s.tagCount).toBeLessThanOrEqual(107);
    const removed = await s.deleteByTags(['group-3']);
    expect(removed).toBeGreaterThan(0);
    expect(removed).toBeLessThanOrEqual(100);
    expect(s.size).toBeLessThanOrEqual(100 - removed);
  });

  it("finds an entry by the engine's tags that name its own key, without holding them in the index", async () => {
    const s = store({ now: () => T0 });
    const tags = ['\0url:/a', '\0ourl:example.com/a', '\0key:GET example.com/a'];
    await s.set('GET example.com/a', entry(1, tags));
    // only the URL tag (any host) is indexed for the entry at the default key
    expect(s.tagCount).toBe(1);
    // a variant under the same base key carries the same tags, all indexed
    await s.set('GET example.com/a\0variant', entry(1, tags));
    expect(s.tagCount).toBe(3);
    // an entry at a default key that does not carry the tag is left alone
    await s.set('GET example.com/b', entry(1, ['other']));
    expect(await s.deleteByTags(['\0ourl:example.com/b'])).toBe(0);
    expect(await s.deleteByTags(['\0ourl:example.com/a'])).toBe(2);
    await s.set('GET example.com/a', entry(1, tags));
    expect(await s.deleteByTags(['\0key:GET example.com/a', '\0url:/a'])).toBe(1);
    expect(await s.get('GET example.com/b')).toBeDefined();
    expect(s.tagCount).toBe(1);
  });

  it('replacing an entry re-indexes its tags', async () => {
    const s = store({ now: () => T0 });
    await s.set('k', entry(1, ['old', 'shared']));
    await s.set('k', entry(1, ['new', 'shared']));
    expect(await s.deleteByTags(['old'])).toBe(0);
    expect(await s.deleteByTags(['shared'])).toBe(1);
    expect(s.tagCount).toBe(0);
  });

  it('expires entries at expiresAt by the injected clock, and unindexes them', async () => {
    let now = T0;
    const s = store({ now: () => now });
    await s.set('short', entry(1, ['a'], 1000));
    await s.set('long', entry(1, ['a', 'b'], 5000));
    now += 999;
    expect(await s.get('short')).toBeDefined();
    // the store may hand out an entry at its very expiresAt (the engine checks); never after
    now += 2;
    expect(await s.get('short')).toBeUndefined();
    expect(await s.deleteByTags(['a'])).toBe(1);
    await s.set('late', entry(1, ['c'], 1000, now));
    now += 10_000;
    expect(await s.get('late')).toBeUndefined();
    expect(s.tagCount).toBe(0);
  });

  it('does not store an entry already expired, and removes the old one', async () => {
    const s = store({ now: () => T0 });
    await s.set('k', entry(1, ['a']));
    await s.set('k', entry(1, ['a'], 0));
    expect(await s.get('k')).toBeUndefined();
    expect(s.tagCount).toBe(0);
  });

  it('deleteByTags counts each entry once across tags', async () => {
    const s = store({ now: () => T0 });
    await s.set('x', entry(1, ['a', 'b']));
    await s.set('y', entry(1, ['b']));
    await s.set('z', entry(1, ['c']));
    expect(await s.deleteByTags(['a', 'b', 'missing'])).toBe(2);
    expect(await s.get('z')).toBeDefined();
  });

  it('get answers at once, without a promise', async () => {
    let now = T0;
    const s = store({ now: () => now });
    const e = entry(10, ['a'], 1000);
    await s.set('k', e);
    expect(s.get('k')).toBe(e);
    expect(s.get('missing')).toBeUndefined();
    now += 1001;
    expect(s.get('k')).toBeUndefined();
  });

  it('get counts as a use (it is not a peek)', async () => {
    const s = store({ maxEntries: 2, now: () => T0, policy: 'lru' });
    await s.set('a', entry(1, ['a']));
    await s.set('b', entry(1, ['b']));
    // 'a' read last: the least recently used is now 'b', which the next write evicts
    expect(s.get('a')).toBeDefined();
    await s.set('c', entry(1, ['c']));
    expect(s.get('a')).toBeDefined();
    expect(s.get('b')).toBeUndefined();
    expect(s.get('c')).toBeDefined();
  });

  it('evicts the same entries for the same seed (its default w-tinylfu draws one otherwise)', async () => {
    // a skewed stream of 3,000 requests over 400 keys into 64 entries: the sketch's hashing and the
    // admission jitter decide which keys stay, so the survivors depend on the seed and only on it
    const survivors = async (seed: number): Promise<string[]> => {
      const s = store({ maxEntries: 64, now: () => T0, seed });
      let x = 12345;
      for (let i = 0; i < 3000; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        const key = `k${Math.floor(((x >>> 8) % 1000) ** 2 / 2500)}`;
        if (s.get(key) === undefined) await s.set(key, entry(1, []));
      }
      return Array.from({ length: 400 }, (_, k) => `k${k}`).filter((key) => s.get(key) !== undefined);
    };
    const a = await survivors(7);
    expect(a.length).toBe(64);
    expect(await survivors(7)).toEqual(a);
    expect(await survivors(8)).not.toEqual(a);
  });

  it.each([
    ['maxEntries', { maxEntries: 0 }],
    ['maxBytes', { maxBytes: 1.5 }],
    ['policy', { policy: 'mru' }],
    ['now', { now: 5 }],
    ['max', { max: 5 }],
    ['seed', { seed: 0.5 }],
    ['seed', { policy: new LruPolicy(), seed: 1 }],
  ])('rejects a bad %s with ConfigError', (option, options) => {
    expect(() => new MemoryStore(options as never)).toThrow(ConfigError);
    try {
      new MemoryStore(options as never);
    } catch (error) {
      expect((error as ConfigError).option).toBe(option);
    }
  });
});
