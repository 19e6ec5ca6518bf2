import { spawn } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { Cache, ConfigError, type Persistence, PersistenceError, persist } from '../../src/index.js';
import { crc32 } from '../../src/persist/crc32.js';
import { storedEntryCodec } from '../../src/store/stored-entry-codec.js';

const dirs: string[] = [];
const open: Persistence[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'larder-persist-'));
  dirs.push(dir);
  return dir;
}

/** The directory as a process killed right now would leave it (the lock file aside). */
function crashCopy(dir: string): string {
  const copy = tempDir();
  for (const name of readdirSync(dir)) if (name !== 'LOCK') cpSync(join(dir, name), join(copy, name));
  return copy;
}

async function start<V extends {}>(
  cache: Cache<string, V>,
  options: Parameters<typeof persist<string, V>>[1],
): Promise<Persistence> {
  const p = await persist(cache, { snapshotEvery: false, ...options });
  open.push(p);
  return p;
}

afterEach(async () => {
  for (const p of open.splice(0)) await p.close().catch(() => {});
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('persist: round trips', () => {
  it('brings back strings, Buffers, numbers and v8-serializable values after close', async () => {
    const dir = tempDir();
    const cache = new Cache<string, {}>({ max: 100 });
    const p = await start(cache, { dir });
    expect(p.loaded).toEqual({ entries: 0, truncatedBytes: 0, expired: 0 });
    cache.set('s', 'héllo ✓');
    cache.set('b', Buffer.from([0, 1, 2, 255]));
    cache.set('n', 42.5);
    cache.set(
      'm',
      new Map<string, unknown>([
        ['when', new Date(5)],
        ['big', 10n],
      ]),
    );
    cache.set('u', new Uint8Array([7, 8]));
    await p.close();

    const again = new Cache<string, {}>({ max: 100 });
    const q = await start(again, { dir });
    expect(q.loaded.entries).toBe(5);
    expect(again.get('s')).toBe('héllo ✓');
    expect(again.get('b')).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(Buffer.isBuffer(again.get('b'))).toBe(true);
    expect(again.get('n')).toBe(42.5);
    expect(again.get('m')).toEqual(
      new Map<string, unknown>([
        ['when', new Date(5)],
        ['big', 10n],
      ]),
    );
    expect(again.get('u')).toEqual(new Uint8Array([7, 8]));
  });

  it('replays the log of a process that never closed: sets, deletes and clears in order', async () => {
    const dir = tempDir();
    const cache = new Cache<string, string>({ max: 100 });
    await start(cache, { dir, appendFsync: 'always' });
    cache.set('gone-by-clear', '1');
    cache.clear();
    cache.set('a', '1');
    cache.set('b', '2');
    cache.set('a', '3');
    cache.delete('b');
    cache.set(
      'c',
      undefined as unknown as string, // set to undefined deletes
    );
    const copy = crashCopy(dir);
    expect(readdirSync(copy)).toEqual(['cache.aof']);

    const again = new Cache<string, string>({ max: 100 });
    const q = await start(again, { dir: copy });
    expect([...again.entries()]).toEqual([['a', '3']]);
    expect(q.loaded.entries).toBe(1);
  });

  it('logs a delete of a key the cache had already evicted, so the log cannot bring it back', async () => {
    const dir = tempDir();
    const cache = new Cache<string, string>({ max: 2 });
    await start(cache, { dir, appendFsync: 'always' });
    cache.set('old', 'secret');
    cache.set('x', '1');
    cache.set('y', '2'); // evicts 'old' (not logged)
    expect(cache.delete('old')).toBe(false);
    const again = new Cache<string, string>({ max: 10 }); // a larger cache would keep 'old'
    await start(again, { dir: crashCopy(dir) });
    expect(again.has('old')).toBe(false);
    expect([...again.keys()].sort()).toEqual(['x', 'y']);
  });

  it('loads coldest first, so the eviction order survives the restart', async () => {
    const dir = tempDir();
    const cache = new Cache<string, number>({ max: 3 });
    const p = await start(cache, { dir });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    cache.get('a'); // b is now the coldest
    await p.snapshot();
    const again = new Cache<string, number>({ max: 3 });
    await start(again, { dir: crashCopy(dir) });
    again.set('d', 4);
    expect(again.has('b')).toBe(false);
    expect([...again.keys()]).toEqual(['d', 'a', 'c']);
  });

  it('stores expiry as an absolute time: expired entries are not loaded, the rest keep what they had left', async () => {
    const dir = tempDir();
    let wall = 1_000_000;
    let mono = 1000; // the cache reads a start time of 0 as "no TTL", as lru-cache
    const cache = new Cache<string, string>({ max: 10, perf: { now: () => mono }, ttlResolution: 0 });
    await start(cache, { dir, appendFsync: 'always', now: () => wall });
    cache.set('short', 's', { ttl: 1000 });
    cache.set('long', 'l', { ttl: 10_000 });
    cache.set('forever', 'f');
    mono += 400;
    wall += 400;
    await open[0]!.snapshot();
    cache.set('later', 'x', { ttl: 2000 }); // in the log only: expires at wall 1_000_400 + 2000
    const copy = crashCopy(dir);

    wall += 1000; // the process was down for a second
    let mono2 = 50_000;
    const again = new Cache<string, string>({ max: 10, perf: { now: () => mono2 }, ttlResolution: 0 });
    const q = await start(again, { dir: copy, now: () => wall });
    expect(q.loaded).toMatchObject({ entries: 3, expired: 1 });
    expect(again.has('short')).toBe(false);
    expect(again.getRemainingTTL('long')).toBe(10_000 - 1400);
    expect(again.getRemainingTTL('later')).toBe(1000);
    expect(again.getRemainingTTL('forever')).toBe(Number.POSITIVE_INFINITY);
    mono2 += 1001;
    expect(again.get('later')).toBeUndefined();
    expect(again.get('long')).toBe('l');
  });

  it('logs TTL changes made with expire and expireAt as the new absolute expiry', async () => {
    const dir = tempDir();
    const cache = new Cache<string, string>({ max: 10 });
    await start(cache, { dir, appendFsync: 'always' });
    cache.set('shortened', 'a', { ttl: 3_600_000 });
    cache.set('extended', 'b', { ttl: 1000 });
    cache.set('removed', 'c', { ttl: 3_600_000 });
    expect(cache.expire('shortened', 1000)).toBe(true);
    expect(cache.expire('extended', 3_600_000)).toBe(true);
    expect(cache.expireAt('removed', Date.now() - 1)).toBe(true);
    const again = new Cache<string, string>({ max: 10 });
    // loaded five seconds later
    await start(again, { dir: crashCopy(dir), now: () => Date.now() + 5000 });
    expect([...again.keys()]).toEqual(['extended']);
  });

  it('uses a codec for values when given one', async () => {
    const dir = tempDir();
    const codec = {
      encode: (v: { n: number }) => Buffer.from(`n=${v.n}`),
      decode: (b: Uint8Array) => ({ n: Number(Buffer.from(b).toString().slice(2)), decoded: true }),
    };
    const cache = new Cache<string, { n: number }>({ max: 10 });
    const p = await start(cache, { dir, codec });
    cache.set('k', { n: 7 });
    await p.close();
    const again = new Cache<string, { n: number }>({ max: 10 });
    await start(again, { dir, codec });
    expect(again.get('k')).toEqual({ n: 7, decoded: true });
  });

  it('stores HTTP entries compactly (status, header list, body bytes) and reads them back exactly', () => {
    const entry = {
      status: 203,
      headers: { 'content-type': 'text/plain', 'x-many': ['a', 'b'], etag: '"x"' },
      body: Buffer.from('binary \u0000\u00ff body'),
      storedAt: 1000,
      initialAge: 3,
      staleAt: 2000,
      staleWhileRevalidateUntil: 3000,
      staleIfErrorUntil: 2500,
      expiresAt: 3000,
      tags: ['t1', 'url:/x'],
      vary: ['accept-encoding'],
    };
    const bytes = Buffer.from(storedEntryCodec.encode(entry));
    expect(bytes.length).toBeLessThan(JSON.stringify(entry).length);
    expect(bytes.includes(Buffer.from('binary \u0000\u00ff body'))).toBe(true);
    expect(storedEntryCodec.decode(bytes)).toEqual(entry);
  });
});

describe('persist: record checksums', () => {
  it('computes the same CRC-32 as node:zlib, for short records (table) and long ones (zlib)', () => {
    const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 131 + 7) & 255));
    for (const [start, end] of [
      [0, 0],
      [3, 40],
      [10, 265],
      [0, 5000],
    ] as const) {
      expect(crc32(bytes, start, end)).toBe(zlibCrc32(bytes.subarray(start, end)));
    }
  });
});

describe('persist: snapshots and compaction', () => {
  it('a snapshot drops the old log, and writes made while it runs are not lost', async () => {
    const dir = tempDir();
    const cache = new Cache<string, string>({ max: 100_000 });
    const p = await start(cache, { dir, appendFsync: 'everysec' });
    for (let i = 0; i < 20_000; i++) cache.set(`k${i}`, `v${i}`);
    const before = p.logBytes;
    const running = p.snapshot();
    // keep writing while the snapshot runs, between its slices (a bounded number of times: on a
    // busy disk its fsync alone can take many ticks)
    let writes = 0;
    let done = false;
    void running.finally(() => {
      done = true;
    });
    while (!done && writes < 300) {
      cache.set(`k${writes}`, `new${writes}`);
      cache.delete(`k${19_999 - writes}`);
      cache.set(`fresh${writes}`, 'f');
      writes++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const info = await running;
    expect(writes).toBeGreaterThan(1); // the snapshot did yield to the event loop
    expect(info.entries).toBeGreaterThan(15_000);
    expect(p.logBytes).toBeLessThan(before / 10);
    await new Promise((resolve) => setImmediate(resolve)); // the end-of-tick write

    const again = new Cache<string, string>({ max: 100_000 });
    await start(again, { dir: crashCopy(dir) });
    expect(again.size).toBe(cache.size);
    for (const [k, v] of cache.entries()) expect(again.peek(k)).toBe(v);
  });

  it.each(['lru', 'w-tinylfu', 'lfu', 'arc'] as const)(
    'takes every entry left alone exactly once while reads, writes and deletes reorder the cache under its walk (%s)',
    (policy) => {
      const cache = new Cache<string, string>({ max: 20_000, policy });
      for (let i = 0; i < 20_000; i++) cache.set(`k${i}`, `v${i}`);
      const cursor = cache.entryCursor();
      const touched = new Set<string>();
      let rounds = 0;
      let seed = 7;
      const random = (n: number): number => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed % n;
      };
      // a budget of 0 takes one batch per call: the cache changes between every two batches
      while (!cursor.advance(0)) {
        rounds++;
        for (let j = 0; j < 300; j++) cache.get(`k${random(20_000)}`);
        for (let j = 0; j < 20; j++) {
          const k = `k${random(20_000)}`;
          touched.add(k);
          if (j % 2 === 0) cache.delete(k);
          else cache.set(k, 'changed');
        }
        cache.set(`new${rounds}`, 'n');
      }
      expect(rounds).toBeGreaterThan(1); // the cache changed while the order was being taken
      const entry = { key: '', value: '', remaining: 0, size: 0 };
      const seen = new Map<string, number>();
      for (const slot of cursor.taken()) {
        if (cursor.read(slot, entry)) seen.set(entry.key, (seen.get(entry.key) ?? 0) + 1);
      }
      for (let i = 0; i < 20_000; i++) {
        const k = `k${i}`;
        if (!touched.has(k)) expect(seen.get(k), k).toBe(1);
      }
    },
  );

  it('when the new log cannot take its name after a snapshot, keeps logging to it (never back to the old log), and a restart reads it', async () => {
    const dir = tempDir();
    const cache = new Cache<string, string>({ max: 100 });
    const errors: PersistenceError[] = [];
    const p = await start(cache, { dir, appendFsync: 'always', onError: (e) => errors.push(e) });
    cache.set('a', '1');
    const running = p.snapshot();
    // the name the new log is renamed to is taken by a directory: the rename fails
    rmSync(join(dir, 'cache.aof'));
    mkdirSync(join(dir, 'cache.aof', 'in-the-way'), { recursive: true });
    cache.set('b', '2');
    await running;
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('cache.aof.new');
    cache.set('c', '3');
    cache.delete('a');

    // killed now: the snapshot links to cache.aof.new, which holds every write since it started
    rmSync(join(dir, 'cache.aof'), { recursive: true });
    const again = new Cache<string, string>({ max: 100 });
    await start(again, { dir: crashCopy(dir) });
    expect([...again.rkeys()]).toEqual(['b', 'c']);

    // the next snapshot puts the log in its place first
    cache.set('d', '4');
    await p.snapshot();
    expect(readdirSync(dir).sort()).toEqual(['LOCK', 'cache.aof', 'cache.snapshot']);
    cache.set('e', '5');
    const third = new Cache<string, string>({ max: 100 });
    await start(third, { dir: crashCopy(dir) });
    expect([...third.rkeys()]).toEqual(['b', 'c', 'd', 'e']);
  });

  it('compacts the log once it is rewriteAfter times the last snapshot', async () => {
    const dir = tempDir();
    const cache = new Cache<string, string>({ max: 100 });
    const p = await start(cache, { dir, appendFsync: 'no', rewriteAfter: 2, rewriteMinBytes: 4096 });
    let shrank = false;
    for (let round = 0; round < 50; round++) {
      const before = p.logBytes;
      for (let i = 0; i < 100; i++) cache.set(`k${i}`, `round ${round}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (p.logBytes < before) shrank = true;
    }
    expect(shrank).toBe(true); // compacted by itself, without a snapshot() call
    await p.snapshot(); // the one in flight, if any
    await p.snapshot(); // one that starts after the last write
    expect(statSync(join(dir, 'cache.aof')).size).toBeLessThan(4096 * 3);
    const again = new Cache<string, string>({ max: 100 });
    await start(again, { dir: crashCopy(dir) });
    expect(again.get('k5')).toBe('round 49');
    expect(again.size).toBe(100);
  });
});

describe('persist: damaged files', () => {
  async function dirWithLog(): Promise<string> {
    const dir = tempDir();
    const cache = new Cache<string, string>({ max: 100 });
    await start(cache, { dir, appendFsync: 'always' });
    for (let i = 0; i < 10; i++) cache.set(`k${i}`, `value ${i}`);
    return crashCopy(dir);
  }

  it('cuts a torn tail, reports its bytes, and appends after the cut', async () => {
    const dir = await dirWithLog();
    const log = join(dir, 'cache.aof');
    const whole = statSync(log).size;
    // a record the process was killed while writing: its frame says more bytes than are there
    const torn = Buffer.from([60, 0, 0, 0, 1, 2, 3, 4, 1, 0]);
    writeFileSync(log, Buffer.concat([readFileSync(log), torn]));
    const cache = new Cache<string, string>({ max: 100 });
    const p = await start(cache, { dir, appendFsync: 'always' });
    expect(p.loaded).toMatchObject({ entries: 10, truncatedBytes: torn.length });
    expect(statSync(log).size).toBe(whole);
    cache.set('after', 'cut');
    const again = new Cache<string, string>({ max: 100 });
    const q = await start(again, { dir: crashCopy(dir) });
    expect(q.loaded.truncatedBytes).toBe(0);
    expect(again.get('after')).toBe('cut');
    expect(again.size).toBe(11);
  });

  it('refuses a flipped byte before the tail, naming file and offset; loadUpToDamage loads what precedes it', async () => {
    const dir = await dirWithLog();
    const log = join(dir, 'cache.aof');
    const bytes = readFileSync(log);
    // find the third record: header is 40 bytes, each record framed by its length
    let offset = 40;
    for (let i = 0; i < 3; i++) offset += 8 + bytes.readUInt32LE(offset);
    bytes[offset + 12] = bytes[offset + 12]! ^ 0x20;
    writeFileSync(log, bytes);

    const cache = new Cache<string, string>({ max: 100 });
    const error = await persist(cache, { dir, snapshotEvery: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PersistenceError);
    expect(error).toMatchObject({ code: 'ERR_LARDER_PERSIST', file: log, offset });
    expect((error as Error).message).toContain(`${log} is damaged at byte ${offset}`);
    expect(cache.size).toBe(0); // nothing half-loaded
    cache.set('still', 'works');
    expect(cache.get('still')).toBe('works');

    const recovered = new Cache<string, string>({ max: 100 });
    const p = await start(recovered, { dir, loadUpToDamage: true });
    expect(p.loaded.damage).toEqual({ file: log, offset });
    expect([...recovered.rkeys()]).toEqual(['k0', 'k1', 'k2']);
  });

  it('refuses a snapshot with a flipped byte, and one cut short', async () => {
    const dir = tempDir();
    const cache = new Cache<string, string>({ max: 100 });
    const p = await start(cache, { dir });
    for (let i = 0; i < 10; i++) cache.set(`k${i}`, `value ${i}`);
    await p.snapshot();
    const flipped = crashCopy(dir);
    const snap = readFileSync(join(flipped, 'cache.snapshot'));
    snap[60] = snap[60]! ^ 1;
    writeFileSync(join(flipped, 'cache.snapshot'), snap);
    await expect(persist(new Cache({ max: 10 }), { dir: flipped })).rejects.toMatchObject({
      code: 'ERR_LARDER_PERSIST',
      file: join(flipped, 'cache.snapshot'),
    });

    const short = crashCopy(dir);
    const whole = readFileSync(join(short, 'cache.snapshot'));
    writeFileSync(join(short, 'cache.snapshot'), whole.subarray(0, whole.length - 5));
    const error = await persist(new Cache({ max: 10 }), { dir: short }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_LARDER_PERSIST', file: join(short, 'cache.snapshot') });
  });

  it('refuses a file of another format version with a clear message', async () => {
    const dir = await dirWithLog();
    const log = join(dir, 'cache.aof');
    const bytes = readFileSync(log);
    bytes.writeUInt16LE(2, 8);
    // a well-formed header of version 2: its own checksum is right
    const { crc32 } = await import('node:zlib');
    bytes.writeUInt32LE(crc32(bytes.subarray(0, 36)), 36);
    writeFileSync(log, bytes);
    const error = await persist(new Cache({ max: 10 }), { dir, loadUpToDamage: true }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PersistenceError);
    expect((error as Error).message).toMatch(
      /format version 2; this version of @larder\/core reads version 1/,
    );
  });
});

describe('persist: bad input', () => {
  it('throws ConfigError for invalid options, naming them', async () => {
    const cache = new Cache<string, string>({ max: 10 });
    await expect(persist(cache, { dir: '' })).rejects.toBeInstanceOf(ConfigError);
    await expect(
      persist(cache, { dir: tempDir(), appendFsync: 'sometimes' as 'always' }),
    ).rejects.toMatchObject({ option: 'appendFsync', value: 'sometimes' });
    await expect(persist(cache, { dir: tempDir(), rewriteAfter: 1 })).rejects.toMatchObject({
      option: 'rewriteAfter',
    });
    await expect(persist(cache, { dir: tempDir(), snapshotEvery: 'soon' as '5m' })).rejects.toMatchObject({
      option: 'snapshotEvery',
    });
    await expect(
      persist(cache, { dir: tempDir(), flush: true } as unknown as { dir: string }),
    ).rejects.toMatchObject({ option: 'flush' });
  });

  it('rejects an unwritable directory clearly, and the cache keeps working', async () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'x');
    const cache = new Cache<string, string>({ max: 10 });
    const error = await persist(cache, { dir: join(file, 'sub') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PersistenceError);
    expect((error as Error).message).toMatch(/cannot create the directory .*a-file\/sub \(ENOTDIR\)/);
    cache.set('k', 'v');
    expect(cache.get('k')).toBe('v');
  });

  it('refuses a directory another live process holds, and takes over the lock of a dead one', async () => {
    const dir = tempDir();
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, 'LOCK'), String(holder.pid));
      const error = await persist(new Cache({ max: 10 }), { dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PersistenceError);
      expect((error as Error).message).toContain(`in use by process ${holder.pid}`);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    const p = await start(new Cache<string, string>({ max: 10 }), { dir });
    expect(readFileSync(join(dir, 'LOCK'), 'utf8')).toBe(String(process.pid));
    // and a second persist() in this process on the same directory is refused too
    await expect(persist(new Cache({ max: 10 }), { dir })).rejects.toThrow(/in use by this process/);
    await p.close();
    expect(readdirSync(dir)).not.toContain('LOCK');
  });

  it('a full disk during a snapshot rejects it, keeps the old files, and the cache keeps working and logging', async () => {
    const dir = tempDir();
    const cache = new Cache<string, string>({ max: 100 });
    const errors: PersistenceError[] = [];
    const p = await start(cache, { dir, appendFsync: 'always', onError: (e) => errors.push(e) });
    cache.set('a', '1');
    symlinkSync('/dev/full', join(dir, 'cache.snapshot.tmp'));
    const error = await p.snapshot().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_LARDER_PERSIST' });
    expect((error as Error).message).toContain('ENOSPC');
    expect(errors).toHaveLength(1);
    cache.set('b', '2');
    expect(cache.get('b')).toBe('2');

    // the new log cannot be written either: the snapshot fails, the old log keeps every write
    symlinkSync('/dev/full', join(dir, 'cache.aof.new'));
    await expect(p.snapshot()).rejects.toThrow(/ENOSPC/);
    cache.set('c', '3');
    const again = new Cache<string, string>({ max: 100 });
    await start(again, { dir: crashCopy(dir) });
    expect([...again.rkeys()]).toEqual(['a', 'b', 'c']);
    // and once the disk has room again, a snapshot succeeds
    await p.snapshot();
    expect(p.lastError).toBeUndefined();
  });
});
