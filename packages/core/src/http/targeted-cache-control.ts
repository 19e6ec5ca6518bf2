/**
 * Targeted cache control (RFC 9213): response fields such as `CDN-Cache-Control` that carry cache
 * directives for one class of caches, as a Structured Field Dictionary (RFC 8941 section 3.2). A
 * cache with a list of targeted fields uses the first one present with a valid, non-empty value,
 * and then ignores `Cache-Control` and `Expires` for its own decisions (RFC 9213 section 2.1). The
 * fields themselves are forwarded unchanged: they may be meant for a cache further down.
 */
import { type CacheControl, emptyCacheControl } from './cache-control.js';
import { headerString } from './headers.js';
import type { HeaderMap, HeaderValue } from './types.js';

/** The targeted fields a cache obeys by default: `CDN-Cache-Control` (RFC 9213 section 3). */
export const DEFAULT_TARGETED_FIELDS: readonly string[] = Object.freeze(['cdn-cache-control']);

/** RFC 9111 section 1.2.2: a delta-seconds too large to represent is taken as 2^31. */
const DELTA_MAX = 2_147_483_648;

/** One dictionary member's value: an Integer, a String, a Token, a Boolean, or something else. */
type BareItem = number | string | boolean | { token: string } | { other: true };

const KEY = /^[a-z*][a-z0-9_\-.*]*/;
const TOKEN = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*/;
const INTEGER = /^-?\d{1,15}(?!\d|\.)/;
const DECIMAL = /^-?\d{1,12}\.\d{1,3}(?!\d)/;
const BYTES = /^:[A-Za-z0-9+/=]*:/;

/** A tiny RFC 8941 reader over one string; every method returns `undefined` on a parse error. */
class Reader {
  i = 0;
  constructor(readonly text: string) {}

  get rest(): string {
    return this.text.slice(this.i);
  }

  skip(chars: string): void {
    while (this.i < this.text.length && chars.includes(this.text[this.i]!)) this.i++;
  }

  match(re: RegExp): string | undefined {
    const m = re.exec(this.rest);
    if (m === null) return undefined;
    this.i += m[0].length;
    return m[0];
  }

  bareItem(): BareItem | undefined {
    const c = this.text[this.i];
    if (c === '"') return this.string();
    if (c === '?') {
      const b = this.match(/^\?[01]/);
      return b === undefined ? undefined : b === '?1';
    }
    if (c === ':') return this.match(BYTES) === undefined ? undefined : { other: true };
    if (c !== undefined && (c === '-' || (c >= '0' && c <= '9'))) {
      if (this.match(DECIMAL) !== undefined) return { other: true };
      const n = this.match(INTEGER);
      return n === undefined ? undefined : Number(n);
    }
    const token = this.match(TOKEN);
    return token === undefined ? undefined : { token };
  }

  string(): string | undefined {
    let out = '';
    this.i++;
    while (this.i < this.text.length) {
      const c = this.text[this.i++]!;
      if (c === '"') return out;
      if (c === '\\') {
        const next = this.text[this.i++];
        if (next !== '"' && next !== '\\') return undefined;
        out += next;
        continue;
      }
      const code = c.charCodeAt(0);
      if (code < 0x20 || code > 0x7e) return undefined;
      out += c;
    }
    return undefined;
  }

  /** `*( ";" key [ "=" bare-item ] )`; the parameters are read and dropped. */
  parameters(): boolean {
    while (this.text[this.i] === ';') {
      this.i++;
      this.skip(' ');
      if (this.match(KEY) === undefined) return false;
      if (this.text[this.i] === '=') {
        this.i++;
        if (this.bareItem() === undefined) return false;
      }
    }
    return true;
  }

  /** An Inner List `( item item ) params`: read and reported as "something else". */
  innerList(): BareItem | undefined {
    this.i++;
    for (;;) {
      this.skip(' ');
      if (this.text[this.i] === ')') {
        this.i++;
        return this.parameters() ? { other: true } : undefined;
      }
      if (this.bareItem() === undefined || !this.parameters()) return undefined;
      const c = this.text[this.i];
      if (c !== ' ' && c !== ')') return undefined;
    }
  }
}

/**
 * A Structured Field Dictionary (RFC 8941 section 4.2.2) as its members in order (a later duplicate
 * key replaces the earlier value), or `undefined` when the field does not parse: a key in upper
 * case, an unknown type, text after a member.
 */
export function parseDictionary(text: string): Map<string, BareItem> | undefined {
  const r = new Reader(text);
  const out = new Map<string, BareItem>();
  r.skip(' ');
  while (r.i < text.length) {
    const key = r.match(KEY);
    if (key === undefined) return undefined;
    let value: BareItem = true;
    if (text[r.i] === '=') {
      r.i++;
      const item = text[r.i] === '(' ? r.innerList() : r.bareItem();
      if (item === undefined) return undefined;
      value = item;
    }
    if (!r.parameters()) return undefined;
    out.delete(key);
    out.set(key, value);
    r.skip(' \t');
    if (r.i >= text.length) return out;
    if (text[r.i] !== ',') return undefined;
    r.i++;
    r.skip(' \t');
    // a trailing comma is an error
    if (r.i >= text.length) return undefined;
  }
  return out;
}

const DELTAS = new Map<string, 'maxAge' | 'sMaxAge' | 'staleWhileRevalidate' | 'staleIfError'>([
  ['max-age', 'maxAge'],
  ['s-maxage', 'sMaxAge'],
  ['stale-while-revalidate', 'staleWhileRevalidate'],
  ['stale-if-error', 'staleIfError'],
]);
const FLAGS = new Map<string, 'noStore' | 'public' | 'mustRevalidate' | 'proxyRevalidate' | 'mustUnderstand'>(
  [
    ['no-store', 'noStore'],
    ['public', 'public'],
    ['must-revalidate', 'mustRevalidate'],
    ['proxy-revalidate', 'proxyRevalidate'],
    ['must-understand', 'mustUnderstand'],
  ],
);

/**
 * The directives of one targeted field value, or `undefined` when it is empty or not a valid
 * dictionary (RFC 9213 section 2.1: then the field is ignored). A directive whose value has the
 * wrong type (`max-age="60"`, `no-store=1`) is ignored on its own; unknown directives are ignored.
 */
export function parseTargetedField(value: HeaderValue | undefined): CacheControl | undefined {
  const text = headerString(value)?.trim();
  if (text === undefined || text === '') return undefined;
  const members = parseDictionary(text);
  if (members === undefined || members.size === 0) return undefined;
  const cc = emptyCacheControl();
  for (const [name, item] of members) {
    const delta = DELTAS.get(name);
    if (delta !== undefined) {
      if (typeof item === 'number' && item >= 0) cc[delta] = Math.min(item, DELTA_MAX);
      continue;
    }
    const flag = FLAGS.get(name);
    if (flag !== undefined) {
      if (item === true) cc[flag] = true;
      continue;
    }
    if (name === 'private' || name === 'no-cache') {
      // bare, or a String of field names (the qualified form); a shared cache treats private as private
      const names =
        typeof item === 'string'
          ? item
              .split(',')
              .map((n) => n.trim().toLowerCase())
              .filter((n) => n !== '')
          : undefined;
      if (item !== true && names === undefined) continue;
      if (name === 'private') cc.private = true;
      else cc.noCache = names === undefined || names.length === 0 ? true : names;
    }
  }
  return cc;
}

/**
 * The directives of the first field of `targets` (lower-case names, in order) that the response
 * carries with a valid, non-empty value, or `undefined` when none does and `Cache-Control` and
 * `Expires` apply as usual.
 */
export function targetedCacheControl(
  headers: Readonly<HeaderMap>,
  targets: readonly string[],
): CacheControl | undefined {
  for (const name of targets) {
    const value = headers[name];
    if (value === undefined) continue;
    const cc = parseTargetedField(value);
    if (cc !== undefined) return cc;
  }
  return undefined;
}
