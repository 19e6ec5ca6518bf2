import { describe, expect, it } from 'vitest';
import { parseHttpDate } from '../../src/http/http-date.js';

const T = Date.UTC(1994, 10, 6, 8, 49, 37);

describe('parseHttpDate', () => {
  it('reads the three formats of RFC 9110 section 5.6.7', () => {
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(T);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', Date.UTC(2025, 0, 1))).toBe(T);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(T);
  });
  it('reads a two-digit year more than 50 years ahead as the past century', () => {
    expect(parseHttpDate('Monday, 01-Jan-80 00:00:00 GMT', Date.UTC(2025, 0, 1))).toBe(Date.UTC(1980, 0, 1));
    expect(parseHttpDate('Monday, 01-Jan-30 00:00:00 GMT', Date.UTC(2025, 0, 1))).toBe(Date.UTC(2030, 0, 1));
  });
  it('reads day, month and zone names in any case', () => {
    expect(parseHttpDate('SUN, 06 NOV 1994 08:49:37 gmt')).toBe(T);
    expect(parseHttpDate('sunday, 06-nov-94 08:49:37 Gmt', Date.UTC(2025, 0, 1))).toBe(T);
    expect(parseHttpDate('sun NOV  6 08:49:37 1994')).toBe(T);
  });
  it.each([
    'Sun, 06 Nov 94 08:49:37 GMT',
    'Sun 06 Nov 1994 08:49:37 GMT',
    'Sun, 06  Nov  1994 08:49:37 GMT',
    'Sun, 06-Nov-1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 08.49.37 GMT',
    'Sun, 06 Nov 1994 8:49:37 GMT',
    'Sun, 06 Nov 1994 08:49:37 UTC',
    '0',
    '-1',
    '',
    'yesterday',
    '2025-01-01T00:00:00Z',
    'Sun, 31 Feb 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 08:49:37 PST',
    'Sun, 06 Nov 1994 25:00:00 GMT',
  ])('rejects %j', (value) => {
    expect(parseHttpDate(value)).toBeUndefined();
  });
});
