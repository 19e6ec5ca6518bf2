/**
 * HTTP-date parsing (RFC 9110 section 5.6.7). `Date.parse` accepts far more than HTTP allows and
 * guesses time zones; a cache deciding freshness from `Expires` must not guess.
 */

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

// Names are matched without regard to case: RFC 9110 section 5.6.7 defines them as case-sensitive, but
// recipients are asked to be robust, and `THU, 18 AUG 2050 ... gmt` says nothing else than its
// well-cased form. The layout (comma, single spaces, digit counts, the GMT zone) stays strict.
// IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
const IMF = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([a-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/i;
// obsolete RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
const RFC850 =
  /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([a-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/i;
// obsolete asctime: Sun Nov  6 08:49:37 1994
const ASCTIME = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([a-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/i;

function build(
  year: number,
  month: string,
  day: number,
  h: number,
  m: number,
  s: number,
): number | undefined {
  const mon = MONTHS[month.charAt(0).toUpperCase() + month.slice(1).toLowerCase()];
  if (mon === undefined || h > 23 || m > 59 || s > 60) return undefined;
  const t = Date.UTC(year, mon, day, h, m, Math.min(s, 59));
  // reject 31 Feb and the like instead of letting Date roll them over
  const d = new Date(t);
  if (d.getUTCDate() !== day || d.getUTCMonth() !== mon) return undefined;
  return t;
}

/**
 * Milliseconds since the epoch of an HTTP-date in any of the three formats RFC 9110 section 5.6.7
 * requires recipients to accept (names in any case), or `undefined` for anything else (including `"0"` and `"-1"`, which
 * RFC 9111 section 5.3 says mean "already expired" in `Expires`). Two-digit RFC 850 years are read
 * as within 50 years of now.
 */
export function parseHttpDate(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  let m = IMF.exec(text);
  if (m) return build(Number(m[3]), m[2]!, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  m = RFC850.exec(text);
  if (m) {
    const yy = Number(m[3]);
    const century = Math.floor(new Date(now).getUTCFullYear() / 100) * 100;
    let year = century + yy;
    // RFC 9110 section 5.6.7: a date more than 50 years ahead is the most recent past year
    if (year > new Date(now).getUTCFullYear() + 50) year -= 100;
    return build(year, m[2]!, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  m = ASCTIME.exec(text);
  if (m) return build(Number(m[6]), m[1]!, Number(m[2]!.trim()), Number(m[3]), Number(m[4]), Number(m[5]));
  return undefined;
}
