/**
 * The option checks every public entry of `@larder/core` runs once, at construction or
 * registration: each throws {@link ConfigError} naming the option and the value, so inner
 * constructors can take resolved values and trust them.
 *
 * Each check reads `options[name]` and returns the value (or `fallback` when it is `undefined`);
 * `expected` overrides the wording of the error where an entry has its own.
 */
import { ConfigError } from '../errors.js';

/** An options bag, as read by these checks. */
export type OptionBag = Record<string, unknown>;

/** `value` as an options bag, or a {@link ConfigError} naming `option`. */
export function optionsObject(option: string, value: unknown, expected = 'an options object'): OptionBag {
  if (value === null || typeof value !== 'object') throw new ConfigError(option, value, expected);
  return value as OptionBag;
}

/**
 * The check every public entry runs first on its options argument: `value` must be an object whose
 * own keys are all in `known`. Returns it as an {@link OptionBag} for the value checks.
 *
 * @param path - What errors call the bag itself (`'options'`, or a nested option such as
 * `'breaker'`); a nested path also prefixes the names of its unknown keys (`'breaker.cooldwn'`).
 * @throws {@link ConfigError} naming the bag when it is no object, or the first unknown key, with
 * the known names in the message.
 */
export function checkOptions(value: unknown, known: readonly string[], path = 'options'): OptionBag {
  const bag = optionsObject(path, value, 'an object');
  knownOptions(bag, known, path === 'options' ? '' : path);
  return bag;
}

/** Throws for the first own key of `options` not in `known` (named `prefix.key` when nested). */
export function knownOptions(options: OptionBag, known: readonly string[], prefix = ''): void {
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) {
      throw new ConfigError(
        prefix === '' ? name : `${prefix}.${name}`,
        options[name],
        `a known option (${known.join(', ')})`,
      );
    }
  }
}

/** An integer option in `[min, max]`. */
export function integerOption(
  options: OptionBag,
  name: string,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, value, `an integer from ${min} to ${max}`);
  }
  return value;
}

/** A boolean option. */
export function booleanOption(
  options: OptionBag,
  name: string,
  fallback: boolean,
  expected = 'a boolean',
): boolean {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ConfigError(name, value, expected);
  return value;
}

/** A function option, or `undefined` when absent. */
export function functionOption<F>(options: OptionBag, name: string, expected = 'a function'): F | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new ConfigError(name, value, expected);
  return value as F;
}

/** A finite number option `>= min`. */
export function numberOption(
  options: OptionBag,
  name: string,
  fallback: number,
  min: number,
  expected: string,
): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || !(value >= min)) {
    throw new ConfigError(name, value, expected);
  }
  return value;
}

/** A `seed` option: a safe integer, or a random one when absent (its low 32 bits are what count). */
export function seedOption(options: OptionBag, name = 'seed'): number {
  const value = options[name];
  if (value === undefined) return (Math.random() * 0x100000000) | 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw new ConfigError(name, value, 'a safe integer');
  return value | 0;
}
