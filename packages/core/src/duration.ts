import ms from 'ms';
import { ConfigError } from './errors.js';

/** The unit names a duration string may use (any letter case), as the `ms` package reads them. */
type DurationUnit =
  | 'Years'
  | 'Year'
  | 'Yrs'
  | 'Yr'
  | 'Y'
  | 'Weeks'
  | 'Week'
  | 'W'
  | 'Days'
  | 'Day'
  | 'D'
  | 'Hours'
  | 'Hour'
  | 'Hrs'
  | 'Hr'
  | 'H'
  | 'Minutes'
  | 'Minute'
  | 'Mins'
  | 'Min'
  | 'M'
  | 'Seconds'
  | 'Second'
  | 'Secs'
  | 'Sec'
  | 's'
  | 'Milliseconds'
  | 'Millisecond'
  | 'Msecs'
  | 'Msec'
  | 'Ms';
type AnyCase = DurationUnit | Lowercase<DurationUnit> | Uppercase<DurationUnit>;

/**
 * A duration option: milliseconds as a number, or a string the `ms` package reads with a unit:
 * `'500ms'`, `'30s'`, `'5m'`, `'5 min'`, `'5 minutes'`, `'1.5h'`, `'2 days'`, `'1w'`.
 */
export type Duration = number | `${number}${AnyCase}` | `${number} ${AnyCase}`;

const EXPECTED =
  'a duration: milliseconds >= 0, or a string with a unit such as "500ms", "30s", "5 min", "1.5h", "2 days", "1w"';

/**
 * Parse a duration option to milliseconds. Numbers are milliseconds. Strings go through the `ms`
 * package (`'5 min'`, `'5 minutes'`, `'1w'`, `'1.5h'`) and must name a unit: `'5'` (seconds or
 * milliseconds?), `'-1s'`, `'5 fortnights'` or `''` are errors, never a silent zero. Throws
 * {@link ConfigError} naming `option`.
 */
export function parseDuration(option: string, value: unknown): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value;
    throw new ConfigError(option, value, EXPECTED);
  }
  if (typeof value === 'string' && /[a-z]\s*$/i.test(value)) {
    let parsed: unknown;
    try {
      parsed = (ms as (text: string) => number | undefined)(value);
    } catch {
      parsed = undefined;
    }
    // ms answers undefined (2.x) or NaN (3.x) for what it cannot read, and reads '-1s' as -1000
    if (typeof parsed === 'number' && Number.isFinite(parsed) && parsed >= 0) return parsed;
  }
  throw new ConfigError(option, value, EXPECTED);
}

/**
 * A duration option that must be a whole positive number of milliseconds (a Redis `PX`, a timer):
 * {@link parseDuration}, then above zero, rounded up to a whole millisecond.
 */
export function parsePositiveDuration(option: string, value: unknown): number {
  const parsed = parseDuration(option, value);
  if (parsed > 0) return Math.ceil(parsed);
  throw new ConfigError(option, value, `${EXPECTED}, above zero`);
}
