/**
 * {@link LockHandle}: the {@link Lock} that {@link RedisLock} and {@link Redlock} return. It keeps
 * what the two have in common: the local validity estimate and its expiry timer, the lost signal,
 * auto-extension, and release bookkeeping. The Redis side (one key, or a quorum of keys) is a
 * {@link LockBackend}.
 */
import { randomBytes } from 'node:crypto';
import { LockLostError, LockUnavailableError, StoreError } from '@larder/core';
import { checkTtl, MAX_TIMER_DELAY, resolveAutoExtend } from './acquire-options.js';
import type { AutoExtendOptions, Lock } from './lock.js';

/** A fresh lock token: 128 random bits as 32 hex digits. */
export function newLockToken(): string {
  return randomBytes(16).toString('hex');
}

/** What the backend threw, as the `LockUnavailableError` of `operation` on `resource`. */
export function unavailable(
  resource: string,
  operation: 'acquire' | 'extend' | 'release',
  error: unknown,
): LockUnavailableError {
  if (error instanceof LockUnavailableError) return error;
  const detail =
    error instanceof StoreError
      ? `${error.reason}: ${error.message}`
      : error instanceof Error
        ? error.message
        : String(error);
  return new LockUnavailableError(resource, operation, detail, { cause: error });
}

/** What a lock implementation does to the keys of one held lock. */
export interface LockBackend {
  /**
   * Extends the lock to `ttl` ms, compare-and-set on the token; resolves the new `expiresAt` (lock
   * clock).
   * @throws `LockLostError`, `LockUnavailableError`.
   */
  extend(ttl: number): Promise<number>;
  /**
   * Deletes the lock, compare-and-delete on the token.
   * @throws `LockLostError`, `LockUnavailableError`.
   */
  release(): Promise<void>;
}

/** What a {@link LockHandle} is made of. */
export interface LockHandleInit {
  resource: string;
  token: string;
  ttl: number;
  expiresAt: number;
  now: () => number;
  backend: LockBackend;
  onLost: ((error: LockLostError) => void) | undefined;
  /** Called once when the handle no longer runs timers of its own (released, lost). */
  onSettled: (handle: LockHandle) => void;
}

/** Shortest delay before retrying an extension that failed because Redis did, in ms. */
const MIN_EXTEND_RETRY = 10;

/** A held lock. See {@link Lock}. */
export class LockHandle implements Lock {
  readonly resource: string;
  readonly token: string;
  readonly ttl: number;
  readonly #now: () => number;
  readonly #backend: LockBackend;
  readonly #onLost: ((error: LockLostError) => void) | undefined;
  readonly #onSettled: (handle: LockHandle) => void;
  readonly #lost = new AbortController();
  #expiresAt: number;
  #expiryTimer: NodeJS.Timeout | undefined;
  #stopAutoExtend: (() => void) | undefined;
  #released = false;
  #release: Promise<void> | undefined;
  #settled = false;

  constructor(init: LockHandleInit) {
    this.resource = init.resource;
    this.token = init.token;
    this.ttl = init.ttl;
    this.#expiresAt = init.expiresAt;
    this.#now = init.now;
    this.#backend = init.backend;
    this.#onLost = init.onLost;
    this.#onSettled = init.onSettled;
    this.#armExpiry();
  }

  get expiresAt(): number {
    return this.#expiresAt;
  }

  get held(): boolean {
    return !this.#released && !this.#lost.signal.aborted && this.#now() < this.#expiresAt;
  }

  get validity(): number {
    return this.held ? Math.max(0, this.#expiresAt - this.#now()) : 0;
  }

  get signal(): AbortSignal {
    return this.#lost.signal;
  }

  async extend(ttl?: number): Promise<void> {
    const extendTo = ttl === undefined ? this.ttl : checkTtl(ttl);
    if (this.#released) throw new LockLostError(this.resource, 'it was released');
    this.#lost.signal.throwIfAborted();
    let expiresAt: number;
    try {
      expiresAt = await this.#backend.extend(extendTo);
    } catch (error) {
      if (error instanceof LockLostError) this.#lose(error);
      throw error;
    }
    // released meanwhile: the release was sent after this extension, and deleted the key
    if (this.#released) return;
    // lapsed locally while the extension was under way: once lost, a lock stays lost
    this.#lost.signal.throwIfAborted();
    this.#expiresAt = expiresAt;
    this.#armExpiry();
  }

  autoExtend(options?: AutoExtendOptions): void {
    const { signal, interval, ttl } = resolveAutoExtend(options, this.ttl);
    this.#stopAutoExtend?.();
    if (this.#released || this.#lost.signal.aborted || signal?.aborted) return;
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      if (this.#stopAutoExtend === stop) this.#stopAutoExtend = undefined;
    };
    const schedule = (delay: number) => {
      timer = setTimeout(tick, Math.min(delay, MAX_TIMER_DELAY));
      timer.unref();
    };
    const tick = async () => {
      timer = undefined;
      if (stopped) return;
      try {
        await this.extend(ttl);
        if (!stopped) schedule(interval);
      } catch {
        // lost (extend has aborted the signal and stopped us) or released meanwhile: nothing to do
        if (stopped || this.#released || this.#lost.signal.aborted) return;
        // Redis failed: the lock may well still be held, so try again sooner while it is valid; if
        // it never succeeds, the expiry timer declares the lock lost
        const remaining = this.#expiresAt - this.#now();
        if (remaining > 0) schedule(Math.max(MIN_EXTEND_RETRY, Math.min(interval, Math.ceil(remaining / 2))));
      }
    };
    signal?.addEventListener('abort', stop, { once: true });
    this.#stopAutoExtend = stop;
    schedule(interval);
  }

  release(): Promise<void> {
    if (this.#release === undefined) {
      this.#released = true;
      this.#stopTimers();
      this.#settle();
      const release = this.#backend.release().catch((error: unknown) => {
        if (error instanceof LockLostError) this.#lose(error);
        // a failed backend leaves the key to lapse by its ttl; a later call may try again
        else if (this.#release === release) this.#release = undefined;
        throw error;
      });
      this.#release = release;
    }
    return this.#release;
  }

  /** Stops auto-extension and the expiry timer, leaving the lock as it is (for `close()` of its lock). */
  detach(): void {
    this.#stopTimers();
    this.#settle();
  }

  #stopTimers(): void {
    this.#stopAutoExtend?.();
    clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
  }

  #settle(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#onSettled(this);
  }

  /** Marks the lock lost, once: stops its timers, aborts the signal, calls `onLost`. */
  #lose(error: LockLostError): void {
    if (this.#lost.signal.aborted) return;
    this.#stopTimers();
    this.#settle();
    this.#lost.abort(error);
    try {
      this.#onLost?.(error);
    } catch {
      // documented: what onLost throws is ignored (it may run in a timer, where a throw would crash)
    }
  }

  /** Declares the lock lost when `expiresAt` passes without an extension. */
  #armExpiry(): void {
    clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
    if (this.#released || this.#settled || this.#lost.signal.aborted) return;
    const check = () => {
      this.#expiryTimer = undefined;
      const left = this.#expiresAt - this.#now();
      if (left > 0) {
        // timers may fire a little early, and delays past MAX_TIMER_DELAY are split
        this.#expiryTimer = setTimeout(check, Math.min(Math.ceil(left), MAX_TIMER_DELAY));
        this.#expiryTimer.unref();
        return;
      }
      this.#lose(new LockLostError(this.resource, 'its validity ran out before it was extended or released'));
    };
    this.#expiryTimer = setTimeout(
      check,
      Math.min(Math.max(0, Math.ceil(this.#expiresAt - this.#now())), MAX_TIMER_DELAY),
    );
    this.#expiryTimer.unref();
  }
}
