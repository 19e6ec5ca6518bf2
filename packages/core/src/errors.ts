/**
 * Coded errors. Every failure Larder reports has its own class and a stable `code`, so callers can
 * branch on `err.code` without parsing messages.
 */

/** Base class of every Larder error. */
export class LarderError extends Error {
  /** A stable, machine-readable code such as `'ERR_LARDER_CONFIG'`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Describe a received value for an error message: `-1`, `NaN`, `'5 min'`, `an object`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * An invalid option, thrown at construction or registration time. The message names the option and
 * the value it got; `option` and `value` carry the same for programs. It extends `TypeError`, which is
 * what lru-cache throws for a bad option, so code written for lru-cache keeps catching it.
 */
export class ConfigError extends TypeError {
  /** Always `'ERR_LARDER_CONFIG'`. */
  readonly code = 'ERR_LARDER_CONFIG';
  /** The option's name, dotted for nested options (`'policy'`, `'ttl'`). */
  readonly option: string;
  /** The value that was rejected. */
  readonly value: unknown;
  constructor(option: string, value: unknown, expected: string) {
    super(`Invalid option ${option}: expected ${expected}, got ${describeValue(value)}`);
    this.name = 'ConfigError';
    this.option = option;
    this.value = value;
  }
}

/** Why a {@link StoreError} happened. */
export type StoreErrorReason =
  /** The backend did not answer within the command timeout. */
  | 'timeout'
  /** The backend could not be reached: connection refused or lost, client closed. */
  | 'unavailable'
  /** The backend answered with an error (a Redis error reply such as `WRONGTYPE` or a script error). */
  | 'reply'
  /** The backend answered, but what it holds is not what the store wrote (an unreadable entry). */
  | 'format';

/**
 * A shared store (Redis) failed. The engine never fails a request because of it: a failed read is a
 * miss and a failed write is skipped. `reason` tells a slow or unreachable backend (`'timeout'`,
 * `'unavailable'`: what a circuit breaker counts) from a backend that answered with an error
 * (`'reply'`, `'format'`: a bug or foreign data, not an outage). The client's own error, when there is
 * one, is the `cause`.
 */
export class StoreError extends LarderError {
  /** What went wrong; see {@link StoreErrorReason}. */
  readonly reason: StoreErrorReason;
  /** The operation that failed, as `'get'`, `'eval larder-set-entry'` (with the script's name), `'subscribe'`. */
  readonly operation: string;
  constructor(reason: StoreErrorReason, operation: string, message: string, options?: { cause?: unknown }) {
    super('ERR_LARDER_STORE', message, options);
    this.reason = reason;
    this.operation = operation;
  }
}

/**
 * A distributed lock (`RedisLock`, `Redlock` in `@larder/redis`) could not be acquired within its
 * `wait`: another holder kept it all along. Not a failure of the backend (see
 * {@link LockUnavailableError}): the lock service answered, the resource was busy.
 */
export class LockTimeoutError extends LarderError {
  /** The resource that stayed busy. */
  readonly resource: string;
  /** How long the caller waited, in ms (`0` for a single attempt). */
  readonly wait: number;
  constructor(resource: string, wait: number, options?: { cause?: unknown }) {
    super(
      'ERR_LARDER_LOCK_TIMEOUT',
      `Lock ${JSON.stringify(resource)} is held by another owner; not acquired within ${wait} ms`,
      options,
    );
    this.resource = resource;
    this.wait = wait;
  }
}

/**
 * A distributed lock is no longer held by the handle that acquired it: extending or releasing it
 * found the key gone (it expired) or holding another owner's token, or its validity ran out locally
 * while it could not be extended. Whatever the holder did since then was not protected by the lock.
 * The lock handle's `signal` aborts with this error.
 */
export class LockLostError extends LarderError {
  /** The resource whose lock was lost. */
  readonly resource: string;
  constructor(resource: string, message: string, options?: { cause?: unknown }) {
    super('ERR_LARDER_LOCK_LOST', `Lock ${JSON.stringify(resource)} was lost: ${message}`, options);
    this.resource = resource;
  }
}

/**
 * The lock backend failed: Redis was down, slower than the command timeout, or answered with an
 * error (for `Redlock`: too many instances failed for a quorum). Whether the resource is busy is
 * unknown. The backend's error (a {@link StoreError}, or an `AggregateError` of one per instance) is
 * the `cause`.
 */
export class LockUnavailableError extends LarderError {
  /** The resource being locked, extended or released. */
  readonly resource: string;
  /** What was attempted: `'acquire'`, `'extend'` or `'release'`. */
  readonly operation: 'acquire' | 'extend' | 'release';
  constructor(
    resource: string,
    operation: 'acquire' | 'extend' | 'release',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(
      'ERR_LARDER_LOCK_UNAVAILABLE',
      `Lock ${JSON.stringify(resource)}: ${operation} failed, the lock backend is unavailable: ${message}`,
      options,
    );
    this.resource = resource;
    this.operation = operation;
  }
}

/**
 * Persistence (`persist()`) failed: a file it cannot read, write or lock, or a file whose contents are
 * damaged or from another format version. `file` is the path involved; `offset`, when the file's
 * contents are at fault, the byte offset of the first damaged record. The system error, when there is
 * one (`EACCES`, `ENOSPC`), is the `cause`.
 */
export class PersistenceError extends LarderError {
  /** The file or directory involved. */
  readonly file: string;
  /** Byte offset of the damage within `file`, when the contents are at fault. */
  readonly offset: number | undefined;
  constructor(file: string, offset: number | undefined, message: string, options?: { cause?: unknown }) {
    super('ERR_LARDER_PERSIST', message, options);
    this.file = file;
    this.offset = offset;
  }
}
