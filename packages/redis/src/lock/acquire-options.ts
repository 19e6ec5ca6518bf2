/**
 * Validation of the options of `acquire`, `tryAcquire`, `extend` and `autoExtend`, shared by
 * {@link RedisLock} and {@link Redlock}. Every invalid value is a `ConfigError` naming the option.
 */
import { ConfigError, checkOptions } from '@larder/core';
import type { AcquireOptions, AutoExtendOptions, TryAcquireOptions } from './lock.js';

/** @defaultValue of the `retryDelay` options, in ms. */
export const DEFAULT_RETRY_DELAY = 50;

/** The longest delay a timer takes (about 24.8 days); longer waits re-arm. */
export const MAX_TIMER_DELAY = 0x7fffffff;

/** {@link AcquireOptions} with every default applied and every value checked. */
export interface ResolvedAcquireOptions {
  ttl: number;
  wait: number;
  retryDelay: number;
  signal: AbortSignal | undefined;
  autoExtend: AutoExtendOptions | undefined;
  onLost: TryAcquireOptions['onLost'];
}

const ACQUIRE_OPTION_NAMES = ['ttl', 'wait', 'retryDelay', 'signal', 'autoExtend', 'onLost'];
const TRY_ACQUIRE_OPTION_NAMES = ['ttl', 'autoExtend', 'onLost'];
const AUTO_EXTEND_OPTION_NAMES = ['signal', 'interval', 'ttl'];

/** A ttl in ms: a positive safe integer (Redis `PX` and `PEXPIRE` take integers). */
export function checkTtl(value: unknown, option = 'ttl'): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  throw new ConfigError(option, value, 'a positive integer number of ms');
}

/** A duration in ms that may be `0`. */
export function checkWait(value: unknown, option: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  throw new ConfigError(option, value, 'a finite number of ms >= 0');
}

/** A duration in ms that must be positive. */
export function checkDelay(value: unknown, option: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  throw new ConfigError(option, value, 'a finite number of ms > 0');
}

/**
 * The `seed` option of a lock: a safe integer (its low 32 bits seed the backoff jitter), or
 * `undefined` for `Math.random`.
 */
export function checkSeed(value: unknown): number | undefined {
  if (value === undefined || (typeof value === 'number' && Number.isSafeInteger(value))) return value;
  throw new ConfigError('seed', value, 'a safe integer');
}

/** A resource name: a non-empty string. */
export function checkResource(value: unknown): string {
  if (typeof value === 'string' && value.length > 0) return value;
  throw new ConfigError('resource', value, 'a non-empty string');
}

function checkSignal(value: unknown, option: string): AbortSignal | undefined {
  if (value === undefined || value instanceof AbortSignal) return value;
  throw new ConfigError(option, value, 'an AbortSignal');
}

/**
 * Checks {@link AutoExtendOptions} against the `ttl` of the lock they extend.
 * @throws `ConfigError` when `interval` is not below the extension ttl (the lock would lapse between
 * extensions).
 */
export function resolveAutoExtend(
  options: AutoExtendOptions | undefined,
  lockTtl: number,
  parent = '',
): { signal: AbortSignal | undefined; interval: number; ttl: number } {
  if (options === undefined)
    return { signal: undefined, interval: Math.max(1, Math.floor(lockTtl / 2)), ttl: lockTtl };
  checkOptions(options, AUTO_EXTEND_OPTION_NAMES, parent === '' ? 'options' : parent.slice(0, -1));
  const ttl = options.ttl === undefined ? lockTtl : checkTtl(options.ttl, `${parent}ttl`);
  const interval =
    options.interval === undefined
      ? Math.max(1, Math.floor(ttl / 2))
      : checkDelay(options.interval, `${parent}interval`);
  if (interval >= ttl) {
    throw new ConfigError(`${parent}interval`, interval, `fewer ms than the ttl it extends (${ttl})`);
  }
  return { signal: checkSignal(options.signal, `${parent}signal`), interval, ttl };
}

/**
 * Applies the defaults of {@link AcquireOptions} (or, with `waiting` false, of
 * {@link TryAcquireOptions}) and checks every value.
 */
export function resolveAcquireOptions(
  options: AcquireOptions | TryAcquireOptions,
  defaultRetryDelay: number,
  waiting: boolean,
): ResolvedAcquireOptions {
  checkOptions(options, waiting ? ACQUIRE_OPTION_NAMES : TRY_ACQUIRE_OPTION_NAMES);
  const ttl = checkTtl(options.ttl);
  const o = options as AcquireOptions;
  const wait = waiting && o.wait !== undefined ? checkWait(o.wait, 'wait') : waiting ? ttl : 0;
  const retryDelay = o.retryDelay === undefined ? defaultRetryDelay : checkDelay(o.retryDelay, 'retryDelay');
  const signal = checkSignal(o.signal, 'signal');
  let autoExtend: AutoExtendOptions | undefined;
  if (options.autoExtend === true) autoExtend = {};
  else if (options.autoExtend !== undefined && options.autoExtend !== false) {
    resolveAutoExtend(options.autoExtend, ttl, 'autoExtend.');
    autoExtend = options.autoExtend;
  }
  const onLost = options.onLost;
  if (onLost !== undefined && typeof onLost !== 'function')
    throw new ConfigError('onLost', onLost, 'a function');
  return { ttl, wait, retryDelay, signal, autoExtend, onLost };
}
