/**
 * Range requests answered from a stored complete response (RFC 9110 section 14): one satisfiable
 * `bytes` range gets a 206 with that part, `If-Range` permitting; an unsatisfiable set gets a 416.
 * Several ranges get the whole 200 (section 14.2 lets a server ignore `Range`), as does any
 * `Range` this module cannot read.
 */
import { headerString } from './headers.js';
import { parseHttpDate } from './http-date.js';
import type { HeaderMap } from './types.js';

/** What a stored response answers to a `Range` request. */
export type RangeAnswer =
  /** Send the whole representation, as if there were no `Range`. */
  | { kind: 'full' }
  /** 206: bytes `start` to `end` inclusive. */
  | { kind: 'partial'; start: number; end: number }
  /** 416: no range overlaps the representation. */
  | { kind: 'unsatisfiable' };

const FULL: RangeAnswer = { kind: 'full' };
const SPEC = /^(\d*)-(\d*)$/;

/**
 * Whether `If-Range` lets the range apply (RFC 9110 section 13.1.5): an entity tag must match the
 * stored strong `ETag` exactly; a date must equal the stored `Last-Modified`.
 */
function ifRangeHolds(ifRange: string, responseHeaders: Readonly<HeaderMap>): boolean {
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) {
    const etag = headerString(responseHeaders.etag)?.trim();
    return etag !== undefined && !etag.startsWith('W/') && !value.startsWith('W/') && etag === value;
  }
  const date = parseHttpDate(value);
  const lastModified = parseHttpDate(headerString(responseHeaders['last-modified']));
  return date !== undefined && lastModified !== undefined && date === lastModified;
}

/**
 * How to answer a GET with `requestHeaders` from a stored 200 of `length` bytes with
 * `responseHeaders` (RFC 9110 sections 14.1.2 and 14.2).
 */
export function rangeAnswer(
  requestHeaders: Readonly<HeaderMap>,
  responseHeaders: Readonly<HeaderMap>,
  length: number,
): RangeAnswer {
  const range = headerString(requestHeaders.range);
  if (range === undefined) return FULL;
  const ifRange = headerString(requestHeaders['if-range']);
  if (ifRange !== undefined && !ifRangeHolds(ifRange, responseHeaders)) return FULL;
  const eq = range.indexOf('=');
  if (eq === -1 || range.slice(0, eq).trim().toLowerCase() !== 'bytes') return FULL;
  const specs = range
    .slice(eq + 1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (specs.length === 0) return FULL;
  const satisfiable: { start: number; end: number }[] = [];
  for (const spec of specs) {
    const m = SPEC.exec(spec);
    if (m === null || (m[1] === '' && m[2] === '')) return FULL;
    if (m[1] === '') {
      // suffix-range: the last N bytes
      const suffix = Number(m[2]);
      if (suffix > 0 && length > 0)
        satisfiable.push({ start: Math.max(0, length - suffix), end: length - 1 });
      continue;
    }
    const start = Number(m[1]);
    const last = m[2] === '' ? Number.POSITIVE_INFINITY : Number(m[2]);
    // an invalid range-spec (last before first) makes the whole field invalid (section 14.1.2)
    if (last < start) return FULL;
    if (start < length) satisfiable.push({ start, end: Math.min(last, length - 1) });
  }
  if (satisfiable.length === 0) return { kind: 'unsatisfiable' };
  if (satisfiable.length > 1) return FULL;
  const [only] = satisfiable;
  return { kind: 'partial', start: only!.start, end: only!.end };
}
