import { ConfigError } from './errors.js';

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** A duration option: milliseconds as a number, or a string such as `'500ms'`, `'30s'`, `'5m'`, `'2h'`, `'1d'`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;

/**
 * Parse a duration option to milliseconds. Numbers are milliseconds. Strings are one number and one
 * unit (`ms`, `s`, `m`, `h`, `d`) with nothing else, so `'5 min'`, `'5'` or `'-1s'` are errors, never a
 * silent zero. Throws {@link ConfigError} naming `option`.
 */
export function parseDuration(option: string, value: unknown): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value;
    throw new ConfigError(option, value, 'a duration: milliseconds >= 0, or a string like "30s"');
  }
  if (typeof value === 'string') {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value);
    if (match) return Number(match[1]) * UNITS[match[2]!]!;
  }
  throw new ConfigError(
    option,
    value,
    'a duration: milliseconds >= 0, or a string like "500ms", "30s", "5m", "2h", "1d"',
  );
}
