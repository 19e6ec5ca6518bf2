/**
 * `persist(cache, options)`: a snapshot plus an append-only log for a {@link Cache}, as Redis's RDB
 * and AOF. See the package README's "Persistence" section for the guarantees.
 */

import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fdatasync as fdatasyncCallback,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  write as writeCallback,
  writeSync,
} from 'node:fs';
import { type FileHandle, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Cache } from '../cache/cache.js';
import type { CacheMutationObserver, CursorEntry } from '../cache/cache-types.js';
import { type Duration, parseDuration } from '../duration.js';
import { ConfigError, PersistenceError } from '../errors.js';
import { checkOptions } from '../internal/options-check.js';
import {
  ByteWriter,
  checkRecords,
  decodeHeader,
  encodeHeader,
  type FileHeader,
  HEADER_BYTES,
  LOG_MAGIC,
  type LogRecord,
  NO_ID,
  OP_CLEAR,
  OP_DELETE,
  OP_END,
  OP_SET,
  type PersistCodec,
  readRecords,
  type ScanEnd,
  SNAPSHOT_MAGIC,
  writeClear,
  writeDelete,
  writeEnd,
  writeSet,
} from './format.js';
import { lockDir } from './lock-file.js';

/** When the log is flushed to disk, as Redis's `appendfsync`. */
export type AppendFsync = 'always' | 'everysec' | 'no';

/** Options of {@link persist}. */
export interface PersistOptions<V> {
  /** Directory holding `cache.snapshot`, `cache.aof` and a `LOCK` file; created if missing. */
  dir: string;
  /**
   * `'always'`: every change is written and fsynced before `set()`/`delete()` returns.
   * `'everysec'`: changes are written at the end of the current tick and fsynced once a second (a crash
   * of the machine may lose about a second; a crash of the process loses only the current tick).
   * `'no'`: written at the end of the tick, fsynced when the OS decides. @defaultValue 'everysec'
   */
  appendFsync?: AppendFsync;
  /** Take a snapshot this often (also on `close()`); `false` for only on `close()` and `rewriteAfter`. @defaultValue '5m' */
  snapshotEvery?: Duration | false;
  /**
   * Compact: take a snapshot (which starts a new, empty log) once the log is this many times the size
   * of the last snapshot (and at least `rewriteMinBytes`), as Redis's `auto-aof-rewrite-percentage`.
   * `false` never compacts on size. @defaultValue 2
   */
  rewriteAfter?: number | false;
  /** The log is never compacted on size while smaller than this, in bytes. @defaultValue 1 MiB */
  rewriteMinBytes?: number;
  /**
   * Encodes values. Without one, strings, Buffers and numbers are stored as such and anything else
   * through `v8.serialize` (which throws for functions and symbols: such a value is not persisted and
   * is reported to `onError`).
   */
  codec?: PersistCodec<V>;
  /**
   * When a file is damaged anywhere but at its tail, load the records before the damage (and drop the
   * rest) instead of rejecting. @defaultValue false
   */
  loadUpToDamage?: boolean;
  /** Wall clock, ms since the epoch: expiry is stored as an absolute time by it. @defaultValue Date.now */
  now?: () => number;
  /**
   * Told of failures after `persist()` resolved (a full disk, a value that cannot be encoded, a
   * snapshot that failed): the cache keeps working, in memory only until the next snapshot succeeds.
   * @defaultValue a process warning
   */
  onError?: (error: PersistenceError) => void;
}

/** What {@link persist} read back from its directory. */
export interface PersistLoaded {
  /** Entries in the cache once loading ended. */
  entries: number;
  /** Bytes cut from the end of the log: a record the process was killed while writing. */
  truncatedBytes: number;
  /** Entries in the files that had expired meanwhile, so were not loaded. */
  expired: number;
  /** With `loadUpToDamage`, where the damage was (records from there on were dropped). */
  damage?: { file: string; offset: number };
}

/** What one snapshot wrote. */
export interface SnapshotInfo {
  /** Entries written. */
  entries: number;
  /** Size of the snapshot file in bytes. */
  bytes: number;
  /** Time taken, ms. */
  duration: number;
}

/** A running persistence, as {@link persist} resolves it. */
export interface Persistence {
  /** What was read back at startup. */
  readonly loaded: PersistLoaded;
  /** The directory. */
  readonly dir: string;
  /** The last failure since the last successful snapshot, if any: while set, changes may not be on disk. */
  readonly lastError: PersistenceError | undefined;
  /** Bytes in the current log. */
  readonly logBytes: number;
  /**
   * Write a snapshot now (in slices that yield to the event loop; changes made meanwhile go to the new
   * log), then drop the old log. A call while one runs shares it.
   * @throws {@link PersistenceError} when it cannot be written; the previous files stay as they were.
   */
  snapshot(): Promise<SnapshotInfo>;
  /** Flush and fsync the log, write a final snapshot, stop logging and release the directory. Idempotent. */
  close(): Promise<void>;
}

const SNAPSHOT = 'cache.snapshot';
const LOG = 'cache.aof';
const NEW_LOG = 'cache.aof.new';
const TMP_SNAPSHOT = 'cache.snapshot.tmp';
const OPTION_NAMES = [
  'dir',
  'appendFsync',
  'snapshotEvery',
  'rewriteAfter',
  'rewriteMinBytes',
  'codec',
  'loadUpToDamage',
  'now',
  'onError',
];
/** Time one slice of snapshot work may take before yielding to the event loop, ms. */
const SLICE_MS = 2;
/** Bytes buffered before they are written out regardless of the tick. */
const FLUSH_BYTES = 256 * 1024;

interface Resolved<V> {
  dir: string;
  appendFsync: AppendFsync;
  snapshotEvery: number;
  rewriteAfter: number;
  rewriteMinBytes: number;
  codec: PersistCodec<unknown> | undefined;
  loadUpToDamage: boolean;
  now: () => number;
  onError: (error: PersistenceError) => void;
  _v?: V;
}

/** The options a {@link PersistOptions} may be given through an HTTP engine or adapter (`persist: {...}`). */
export type HttpPersistOptions = Pick<
  PersistOptions<never>,
  'dir' | 'appendFsync' | 'snapshotEvery' | 'rewriteAfter' | 'rewriteMinBytes' | 'loadUpToDamage'
>;

/**
 * Validate persistence options without opening anything (for engines that open later).
 * @throws {@link ConfigError} naming the option, prefixed with `prefix` (`'persist.'`).
 */
export function checkPersistOptions(options: unknown, prefix: string): void {
  try {
    resolveOptions(options as PersistOptions<unknown>);
  } catch (error) {
    if (error instanceof ConfigError && prefix !== '') {
      throw new ConfigError(
        `${prefix}${error.option}`,
        error.value,
        error.message.replace(/^.*expected (.*), got .*$/s, '$1'),
      );
    }
    throw error;
  }
}

function resolveOptions<V>(options: PersistOptions<V>): Resolved<V> {
  checkOptions(options, OPTION_NAMES);
  const { dir, appendFsync = 'everysec', snapshotEvery = '5m', rewriteAfter = 2 } = options;
  if (typeof dir !== 'string' || dir === '') throw new ConfigError('dir', dir, 'a directory path');
  if (appendFsync !== 'always' && appendFsync !== 'everysec' && appendFsync !== 'no') {
    throw new ConfigError('appendFsync', appendFsync, "'always', 'everysec' or 'no'");
  }
  const every = snapshotEvery === false ? 0 : parseDuration('snapshotEvery', snapshotEvery);
  if (snapshotEvery !== false && every <= 0) {
    throw new ConfigError('snapshotEvery', snapshotEvery, 'a positive duration, or false');
  }
  if (
    rewriteAfter !== false &&
    !(typeof rewriteAfter === 'number' && rewriteAfter > 1 && Number.isFinite(rewriteAfter))
  ) {
    throw new ConfigError('rewriteAfter', rewriteAfter, 'a number greater than 1, or false');
  }
  const rewriteMinBytes = options.rewriteMinBytes ?? 1024 * 1024;
  if (!(Number.isSafeInteger(rewriteMinBytes) && rewriteMinBytes >= 0)) {
    throw new ConfigError('rewriteMinBytes', rewriteMinBytes, 'a whole number of bytes >= 0');
  }
  const codec = options.codec;
  if (
    codec !== undefined &&
    (codec === null || typeof codec.encode !== 'function' || typeof codec.decode !== 'function')
  ) {
    throw new ConfigError('codec', codec, 'an object with encode and decode functions');
  }
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new ConfigError('now', now, 'a function');
  const onError = options.onError ?? defaultOnError;
  if (typeof onError !== 'function') throw new ConfigError('onError', onError, 'a function');
  if (options.loadUpToDamage !== undefined && typeof options.loadUpToDamage !== 'boolean') {
    throw new ConfigError('loadUpToDamage', options.loadUpToDamage, 'a boolean');
  }
  return {
    dir,
    appendFsync,
    snapshotEvery: every,
    rewriteAfter: rewriteAfter === false ? 0 : rewriteAfter,
    rewriteMinBytes,
    codec: codec as PersistCodec<unknown> | undefined,
    loadUpToDamage: options.loadUpToDamage ?? false,
    now,
    onError,
  };
}

function defaultOnError(error: PersistenceError): void {
  process.emitWarning(error.message, 'LarderPersistenceWarning', error.code);
}

function newId(): string {
  return randomBytes(8).toString('hex');
}

function fsError(file: string, what: string, error: unknown): PersistenceError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? String(error);
  return new PersistenceError(file, undefined, `cannot ${what} ${file} (${code})`, { cause: error });
}

function damaged(file: string, offset: number, reason: string): PersistenceError {
  return new PersistenceError(
    file,
    offset,
    `${file} is damaged at byte ${offset} (${reason}); pass loadUpToDamage: true to load what precedes it`,
  );
}

function headerError(
  file: string,
  problem: Exclude<ReturnType<typeof decodeHeader>, FileHeader>,
): PersistenceError {
  if (typeof problem === 'object') {
    return new PersistenceError(
      file,
      8,
      `${file} was written in persistence format version ${problem.version}; this version of @larder/core reads version 1 only (move the directory aside or delete it to start empty)`,
    );
  }
  const why = problem === 'magic' ? 'not a Larder persistence file' : 'damaged header';
  return new PersistenceError(file, 0, `${file}: ${why}`);
}

function readIfExists(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fsError(path, 'read', error);
  }
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // some platforms cannot fsync a directory; the rename is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Make `cache` survive restarts: load `dir/cache.snapshot`, replay `dir/cache.aof`, then log every
 * change (`set`, `delete`, `clear`; expiry as an absolute time) and take snapshots. Await it before
 * the cache serves: entries loaded replace what the cache held under the same keys.
 *
 * Entries are loaded coldest first, so the eviction policy's order survives; entries that expired
 * while the process was down are not loaded, the others keep the TTL they had left (a sliding TTL,
 * `updateAgeOnGet`, restarts from what was left). Reads are not logged: recency changes since the last
 * snapshot are lost on restart, never entries.
 *
 * @throws {@link ConfigError} for invalid options.
 * @throws {@link PersistenceError} (`ERR_LARDER_PERSIST`) when the directory cannot be created, read or
 * locked (another live process uses it), or a file is damaged before its tail (naming the file and
 * the byte offset) or from another format version. The cache is left working, in memory only.
 */
export async function persist<K extends {}, V extends {}>(
  cache: Cache<K, V>,
  options: PersistOptions<V>,
): Promise<Persistence> {
  const o = resolveOptions(options);
  try {
    mkdirSync(o.dir, { recursive: true });
  } catch (error) {
    throw fsError(o.dir, 'create the directory', error);
  }
  const unlock = lockDir(o.dir);
  try {
    const p = new CachePersistence(cache, o, unlock);
    await p.open();
    return p;
  } catch (error) {
    unlock();
    throw error;
  }
}

class CachePersistence<K extends {}, V extends {}> implements Persistence, CacheMutationObserver<K, V> {
  readonly dir: string;
  loaded: PersistLoaded = { entries: 0, truncatedBytes: 0, expired: 0 };
  lastError: PersistenceError | undefined;
  logBytes = 0;

  readonly #cache: Cache<K, V>;
  readonly #o: Resolved<V>;
  readonly #unlock: () => void;
  readonly #codec: PersistCodec<unknown> | undefined;
  readonly #always: boolean;
  /** Records not yet written out (`everysec`, `no`); with `always`, scratch space for one record. */
  readonly #w = new ByteWriter();
  #fd = -1;
  #flushScheduled = false;
  #syncing = false;
  /** The log cannot be written: changes are kept only in memory (and in `#tee`) until a snapshot. */
  #failed = false;
  /** While a snapshot runs: a copy of every record since it started, for the new log. */
  #tee: Buffer[] | undefined;
  #snapshotBytes = 0;
  /**
   * Where the current log lives: `cache.aof`, or `cache.aof.new` after a snapshot whose final rename
   * failed (a restart reads it there, as the snapshot links to it; the next snapshot moves it first).
   */
  #logName = LOG;
  /** A compaction was asked for and has not run yet. */
  #rewriteQueued = false;
  /** After a failed compaction, the log size the next one waits for (no retry on every change). */
  #rewriteFloor = 0;
  #snapshotting: Promise<SnapshotInfo> | undefined;
  #timers: ReturnType<typeof setInterval>[] = [];
  #closed: Promise<void> | undefined;

  constructor(cache: Cache<K, V>, o: Resolved<V>, unlock: () => void) {
    this.#cache = cache;
    this.#o = o;
    this.dir = o.dir;
    this.#unlock = unlock;
    this.#codec = o.codec;
    this.#always = o.appendFsync === 'always';
  }

  #path(name: string): string {
    return join(this.dir, name);
  }

  // ------------------------------------------------------------------ load

  async open(): Promise<void> {
    const snapPath = this.#path(SNAPSHOT);
    const logPath = this.#path(LOG);
    const newPath = this.#path(NEW_LOG);
    for (const leftover of [TMP_SNAPSHOT]) {
      try {
        unlinkSync(this.#path(leftover));
      } catch {
        // not there: the usual case
      }
    }
    const snap = readIfExists(snapPath);
    let snapHeader: FileHeader | undefined;
    if (snap !== undefined) {
      const h = decodeHeader(snap, SNAPSHOT_MAGIC);
      if (typeof h !== 'object' || !('id' in h)) throw headerError(snapPath, h);
      snapHeader = h;
    }
    // the log that continues the snapshot: cache.aof, or cache.aof.new when the process stopped
    // between renaming the snapshot and renaming its new log into place
    let logFile = logPath;
    let log = readIfExists(logPath);
    const newer = readIfExists(newPath);
    if (newer !== undefined) {
      const h = decodeHeader(newer, LOG_MAGIC);
      if (snapHeader !== undefined && typeof h === 'object' && 'id' in h && h.id === snapHeader.link) {
        logFile = newPath;
        log = newer;
      }
    }
    let logHeader: FileHeader | undefined;
    if (log !== undefined) {
      const h = decodeHeader(log, LOG_MAGIC);
      if (h === 'short') {
        // killed while creating the log: nothing in it yet
        this.loaded.truncatedBytes += log.length;
        log = undefined;
      } else if (typeof h !== 'object' || !('id' in h)) {
        throw headerError(logFile, h);
      } else {
        logHeader = h;
      }
    }
    if (snapHeader !== undefined && logHeader !== undefined && logHeader.id !== snapHeader.link) {
      if (!this.#o.loadUpToDamage) {
        throw new PersistenceError(
          logFile,
          0,
          `${logFile} does not continue ${snapPath} (log ${logHeader.id}, snapshot expects ${snapHeader.link}); pass loadUpToDamage: true to load the snapshot alone`,
        );
      }
      this.loaded.damage = { file: logFile, offset: 0 };
      log = undefined;
      logHeader = undefined;
    }

    // check every frame before touching the cache, so a rejection leaves it as it was
    let snapEnd: ScanEnd | undefined;
    if (snap !== undefined) {
      snapEnd = checkRecords(snap, HEADER_BYTES);
      if (snapEnd.kind === 'eof') {
        if (snapEnd.lastOp !== OP_END)
          snapEnd = { kind: 'damaged', offset: snap.length, reason: 'no end record' };
      } else if (snapEnd.kind === 'torn') {
        snapEnd = { kind: 'damaged', offset: snapEnd.offset, reason: 'ends inside a record' };
      }
      if (snapEnd.kind === 'damaged') {
        if (!this.#o.loadUpToDamage) throw damaged(snapPath, snapEnd.offset, snapEnd.reason);
        this.loaded.damage ??= { file: snapPath, offset: snapEnd.offset };
      }
    }
    let logEnd: ScanEnd | undefined;
    if (log !== undefined) {
      logEnd = checkRecords(log, HEADER_BYTES);
      if (logEnd.kind === 'damaged') {
        if (!this.#o.loadUpToDamage) throw damaged(logFile, logEnd.offset, logEnd.reason);
        this.loaded.damage ??= { file: logFile, offset: logEnd.offset };
      }
    }

    // apply
    const now = this.#o.now();
    if (snap !== undefined && snapEnd !== undefined) {
      const end = snapEnd.kind === 'eof' ? snap.length : snapEnd.offset;
      const bad = readRecords(snap, HEADER_BYTES, end, this.#codec, (r) => this.#apply(r, now, true));
      if (bad !== undefined) {
        if (!this.#o.loadUpToDamage) throw damaged(snapPath, bad.offset, bad.reason);
        this.loaded.damage ??= { file: snapPath, offset: bad.offset };
      }
      this.#snapshotBytes = snap.length;
    }
    let validLogBytes = 0;
    if (log !== undefined && logEnd !== undefined) {
      validLogBytes = logEnd.kind === 'eof' ? log.length : logEnd.offset;
      if (logEnd.kind === 'torn') this.loaded.truncatedBytes += log.length - logEnd.offset;
      const bad = readRecords(log, HEADER_BYTES, validLogBytes, this.#codec, (r) =>
        this.#apply(r, now, false),
      );
      if (bad !== undefined) {
        if (!this.#o.loadUpToDamage) throw damaged(logFile, bad.offset, bad.reason);
        this.loaded.damage ??= { file: logFile, offset: bad.offset };
        validLogBytes = bad.offset;
      }
    }
    this.loaded.entries = this.#cache.size;

    // continue the log: cut a torn tail (or the damage we loaded up to), or start one
    try {
      if (logHeader !== undefined) {
        // append mode: every write lands at the end, after the cut below
        this.#fd = openSync(logFile, 'a');
        if (validLogBytes < log!.length) {
          ftruncateSync(this.#fd, validLogBytes);
          fdatasyncSync(this.#fd);
        }
        this.logBytes = validLogBytes;
        if (logFile === newPath) {
          try {
            renameSync(newPath, logPath);
            fsyncDir(this.dir);
          } catch {
            // it goes on where it is (a restart reads it there); the next snapshot moves it
            this.#logName = NEW_LOG;
          }
        }
      } else {
        const id = snapHeader?.link ?? newId();
        this.#fd = openSync(logPath, 'w');
        const header = encodeHeader(LOG_MAGIC, 0, id, NO_ID, this.#o.now());
        writeAll(this.#fd, header, header.length);
        fdatasyncSync(this.#fd);
        fsyncDir(this.dir);
        this.logBytes = header.length;
      }
      if (this.#logName === LOG) {
        try {
          unlinkSync(newPath);
        } catch {
          // not there: the usual case
        }
      }
    } catch (error) {
      if (this.#fd >= 0) closeSync(this.#fd);
      throw fsError(logPath, 'open the log', error);
    }

    this.#cache.observeMutations(this);
    if (!this.#always) {
      const timer = setInterval(() => this.#everyTick(), 1000);
      timer.unref();
      this.#timers.push(timer);
    }
    if (this.#o.snapshotEvery > 0) {
      const timer = setInterval(() => {
        this.snapshot().catch(() => {
          // reported through onError by the snapshot itself
        });
      }, this.#o.snapshotEvery);
      timer.unref();
      this.#timers.push(timer);
    }
    // a damaged snapshot was only partly read: replace it while the log holds what followed
    if (this.loaded.damage !== undefined && this.loaded.damage.file === snapPath) {
      await this.snapshot();
    }
  }

  /** Options handed to `cache.set` while loading, the same objects for every entry. */
  readonly #loadTtl = { ttl: 0 };
  readonly #loadSized = { ttl: 0, size: 0 };

  #apply(r: LogRecord, now: number, fromSnapshot: boolean): void {
    const cache = this.#cache;
    switch (r.op) {
      case OP_SET: {
        const remaining = r.expiresAt - now;
        if (remaining <= 0) {
          this.loaded.expired++;
          if (!fromSnapshot) cache.delete(r.key as K);
          return;
        }
        const ttl = r.expiresAt === Number.POSITIVE_INFINITY ? 0 : Math.ceil(remaining);
        try {
          if (ttl === 0 && r.size === 0 && cache.ttl === 0) {
            cache.set(r.key as K, r.value as V);
          } else {
            const sized = r.size > 0 && (cache.maxSize > 0 || cache.maxEntrySize > 0);
            const options = sized ? this.#loadSized : this.#loadTtl;
            options.ttl = ttl;
            if (sized) this.#loadSized.size = r.size;
            cache.set(r.key as K, r.value as V, options);
          }
        } catch {
          // the cache refused it now (a sizeCalculation that throws, a smaller maxEntrySize): skip it
        }
        return;
      }
      case OP_DELETE:
        cache.delete(r.key as K);
        return;
      case OP_CLEAR:
        cache.clear();
        return;
      case OP_END:
        return;
    }
  }

  // ------------------------------------------------------------------ the log

  /** {@link CacheMutationObserver}: log a `set`. */
  set(key: K, value: V, remaining: number, size: number): void {
    const w = this.#w;
    const start = w.pos;
    try {
      writeSet(
        w,
        key,
        value,
        remaining === Number.POSITIVE_INFINITY ? remaining : this.#o.now() + remaining,
        size,
        this.#codec,
      );
    } catch (error) {
      w.pos = start;
      this.#report(
        new PersistenceError(
          this.#path(LOG),
          undefined,
          `a value could not be encoded, so was not persisted: ${String(error)}`,
          {
            cause: error,
          },
        ),
      );
      return;
    }
    this.#appended(start);
  }

  /** {@link CacheMutationObserver}: log a `delete`. */
  delete(key: K): void {
    const start = this.#w.pos;
    try {
      writeDelete(this.#w, key);
    } catch (error) {
      this.#w.pos = start;
      this.#report(
        new PersistenceError(this.#path(LOG), undefined, `a key could not be encoded: ${String(error)}`),
      );
      return;
    }
    this.#appended(start);
  }

  /** {@link CacheMutationObserver}: log a `clear`. */
  clear(): void {
    const start = this.#w.pos;
    writeClear(this.#w);
    this.#appended(start);
  }

  /** A record was encoded at `#w[start..pos)`: write it now (`always`) or at the end of the tick. */
  #appended(start: number): void {
    const w = this.#w;
    const length = w.pos - start;
    if (this.#tee !== undefined) this.#tee.push(Buffer.from(w.buf.subarray(start, w.pos)));
    this.logBytes += length;
    if (this.#failed) {
      w.pos = start;
    } else if (this.#always) {
      this.#flush();
      if (!this.#failed) {
        try {
          fdatasyncSync(this.#fd);
        } catch (error) {
          this.#fail(error);
        }
      }
    } else if (w.pos >= FLUSH_BYTES) {
      this.#flush();
    } else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => {
        this.#flushScheduled = false;
        this.#flush();
      });
    }
    const o = this.#o;
    if (
      o.rewriteAfter > 0 &&
      !this.#rewriteQueued &&
      this.#snapshotting === undefined &&
      this.#closed === undefined &&
      this.logBytes > o.rewriteMinBytes &&
      this.logBytes > this.#rewriteFloor &&
      this.logBytes > o.rewriteAfter * this.#snapshotBytes
    ) {
      this.#rewriteQueued = true;
      setImmediate(() => {
        this.snapshot()
          .catch(() => {
            // reported through onError by the snapshot itself; retry once the log doubled
            this.#rewriteFloor = this.logBytes * 2;
          })
          .finally(() => {
            this.#rewriteQueued = false;
          });
      });
    }
  }

  /** Write what is buffered to the log's file. */
  #flush(): void {
    const w = this.#w;
    if (w.pos === 0 || this.#failed) {
      w.reset();
      return;
    }
    try {
      writeAll(this.#fd, w.buf, w.pos);
    } catch (error) {
      this.#fail(error);
    }
    w.reset();
  }

  #everyTick(): void {
    this.#flush();
    if (this.#o.appendFsync !== 'everysec' || this.#syncing || this.#failed) return;
    const fd = this.#fd;
    this.#syncing = true;
    fdatasyncCallback(fd, (error) => {
      this.#syncing = false;
      if (error && fd === this.#fd) this.#fail(error);
    });
  }

  #fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#report(
      new PersistenceError(
        this.#path(LOG),
        undefined,
        `cannot write ${this.#path(LOG)} (${(error as NodeJS.ErrnoException).code ?? String(error)}): changes are kept in memory only until a snapshot succeeds`,
        { cause: error },
      ),
    );
  }

  #report(error: PersistenceError): void {
    this.lastError = error;
    try {
      this.#o.onError(error);
    } catch {
      // an onError that throws has nowhere left to report to
    }
  }

  // ------------------------------------------------------------------ snapshots

  snapshot(): Promise<SnapshotInfo> {
    if (this.#snapshotting !== undefined) return this.#snapshotting;
    if (this.#fd < 0)
      return Promise.reject(new PersistenceError(this.dir, undefined, 'persistence is closed'));
    const running = this.#writeSnapshot().finally(() => {
      this.#snapshotting = undefined;
    });
    this.#snapshotting = running;
    return running;
  }

  /**
   * A fuzzy snapshot plus redo: the entries are read in slices while the cache keeps changing, and
   * every change from the snapshot's start is teed into a new log, so snapshot + new log hold every
   * change. The new log replaces the old only after the snapshot is on disk.
   */
  async #writeSnapshot(): Promise<SnapshotInfo> {
    const started = performance.now();
    const tee: Buffer[] = [];
    this.#tee = tee;
    const id = newId();
    const tmpPath = this.#path(TMP_SNAPSHOT);
    const newPath = this.#path(NEW_LOG);
    let fh: FileHandle | undefined;
    let newLog: number | undefined;
    const oldFd = this.#fd;
    let count = 0;
    let bytes = 0;
    try {
      // coldest first, so that loading re-creates the policy's order: the order is taken in slices,
      // then the entries are read in slices (one changed meanwhile is read as it is then; the tee
      // has the change)
      const cursor = this.#cache.entryCursor();
      while (!cursor.advance(SLICE_MS)) await yieldToLoop();
      fh = await open(tmpPath, 'w');
      const file = fh;
      const header = encodeHeader(SNAPSHOT_MAGIC, 0, newId(), id, this.#o.now());
      await file.write(header, 0, header.length, 0);
      bytes += header.length;
      // each slice is encoded into its own buffer and written at its own position, so the writes
      // go on while the next slices encode; at most a few are in flight at once
      const inFlight: Promise<unknown>[] = [];
      const writeOut = async (w: ByteWriter): Promise<void> => {
        if (w.pos === 0) return;
        inFlight.push(file.write(w.buf, 0, w.pos, bytes));
        bytes += w.pos;
        if (inFlight.length >= 4) await Promise.all(inFlight.splice(0));
      };
      let w = new ByteWriter(256 * 1024);
      let sliceStart = performance.now();
      const slots = cursor.taken();
      const entry = { key: undefined, value: undefined, remaining: 0, size: 0 } as unknown as CursorEntry<
        K,
        V
      >;
      let now = this.#o.now();
      for (let i = slots.length - 1; i >= 0; i--) {
        if (cursor.read(slots[i]!, entry) && entry.remaining > 0) {
          const expiresAt =
            entry.remaining === Number.POSITIVE_INFINITY ? entry.remaining : now + entry.remaining;
          const mark = w.pos;
          try {
            writeSet(w, entry.key, entry.value, expiresAt, entry.size, this.#codec);
            count++;
          } catch {
            // a value that cannot be encoded was reported when it was set; it is not in the snapshot
            w.pos = mark;
          }
        }
        if ((i & 127) === 0 && performance.now() - sliceStart > SLICE_MS) {
          await writeOut(w);
          w = new ByteWriter(256 * 1024);
          await yieldToLoop();
          sliceStart = performance.now();
          now = this.#o.now();
        }
      }
      writeEnd(w, count);
      await writeOut(w);
      await Promise.all(inFlight.splice(0));
      await file.datasync();
      await file.close();
      fh = undefined;

      // a log left at cache.aof.new by a failed rename goes to its place before a new one is made
      if (this.#logName === NEW_LOG) {
        renameSync(newPath, this.#path(LOG));
        fsyncDir(this.dir);
        this.#logName = LOG;
      }
      // the new log: its header, then what the tee caught (in slices while it grows), then switch
      newLog = openSync(newPath, 'w');
      const logHeader = encodeHeader(LOG_MAGIC, 0, id, NO_ID, this.#o.now());
      writeAll(newLog, logHeader, logHeader.length);
      let newBytes = logHeader.length;
      let copied = 0;
      // a few passes while writes keep coming; what arrives meanwhile is copied synchronously below
      for (let pass = 0; pass < 8 && tee.length - copied > 256; pass++) {
        const upto = tee.length;
        const chunk = Buffer.concat(tee.slice(copied, upto));
        copied = upto;
        const fd = newLog;
        await new Promise<void>((resolve, reject) => {
          writeCallback(fd, chunk, 0, chunk.length, null, (error) => (error ? reject(error) : resolve()));
        });
        newBytes += chunk.length;
      }
      // synchronously: the rest, then every later change goes to the new log
      this.#flush();
      const rest = Buffer.concat(tee.slice(copied));
      writeAll(newLog, rest, rest.length);
      newBytes += rest.length;
      // From here to the switch nothing may await: a change made between switching the log and
      // renaming the snapshot would be only in cache.aof.new, which a restart ignores while the old
      // snapshot is in place (found by the SIGKILL test). So: the new log on disk, the snapshot in
      // place, then the switch, in one synchronous step.
      fdatasyncSync(newLog);
      renameSync(tmpPath, this.#path(SNAPSHOT));
      fsyncDir(this.dir);
      this.#fd = newLog;
      this.logBytes = newBytes;
      this.#failed = false;
      this.#tee = undefined;
      this.#snapshotBytes = bytes;
      this.lastError = undefined;
      try {
        closeSync(oldFd);
      } catch {
        // already closed
      }
      // The snapshot in place links to the new log, so there is no going back to the old one: if the
      // new log cannot take its final name it stays where it is, which a restart reads as well.
      try {
        renameSync(newPath, this.#path(LOG));
        fsyncDir(this.dir);
      } catch (error) {
        this.#logName = NEW_LOG;
        this.#report(
          new PersistenceError(
            newPath,
            undefined,
            `the snapshot is in place but ${newPath} could not be renamed to ${this.#path(LOG)} (${(error as NodeJS.ErrnoException).code ?? String(error)}): changes go on in ${newPath}, which a restart reads; the next snapshot retries`,
            { cause: error },
          ),
        );
      }
      return { entries: count, bytes, duration: performance.now() - started };
    } catch (error) {
      this.#tee = undefined;
      if (fh !== undefined) await fh.close().catch(() => {});
      await unlink(tmpPath).catch(() => {});
      if (newLog !== undefined && newLog !== this.#fd) {
        try {
          closeSync(newLog);
        } catch {
          // already closed
        }
        await unlink(newPath).catch(() => {});
      }
      const failure =
        error instanceof PersistenceError ? error : fsError(tmpPath, 'write the snapshot', error);
      this.#report(failure);
      throw failure;
    }
  }

  // ------------------------------------------------------------------ close

  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    let failure: unknown;
    try {
      if (this.#snapshotting !== undefined) await this.#snapshotting.catch(() => {});
      await this.snapshot();
    } catch (error) {
      failure = error;
    }
    this.#cache.observeMutations(undefined);
    this.#flush();
    try {
      fdatasyncSync(this.#fd);
      closeSync(this.#fd);
    } catch (error) {
      failure ??= fsError(this.#path(LOG), 'close', error);
    }
    this.#fd = -1;
    this.#unlock();
    if (failure !== undefined) throw failure;
  }
}

function writeAll(fd: number, buf: Buffer, length: number): void {
  let off = 0;
  while (off < length) off += writeSync(fd, buf, off, length - off);
}
