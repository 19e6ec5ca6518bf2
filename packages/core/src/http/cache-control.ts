/**
 * A strict `Cache-Control` parser (RFC 9111 section 5.2) for both request and response directives.
 * Strict because a cache that guesses at a malformed header can store what the origin meant to keep
 * private: anything it cannot read with certainty makes the caller treat the response as not
 * storable. It never throws.
 */
import { headerString } from './headers.js';
import type { HeaderValue } from './types.js';

/** The directives the engine acts on. Durations are in seconds, as on the wire. */
export interface CacheControl {
  /** `max-age` in seconds (RFC 9111 sections 5.2.1.1 and 5.2.2.1). */
  maxAge?: number;
  /** `s-maxage` in seconds (RFC 9111 section 5.2.2.10). */
  sMaxAge?: number;
  /** `stale-while-revalidate` in seconds (RFC 5861 section 3). */
  staleWhileRevalidate?: number;
  /** `stale-if-error` in seconds (RFC 5861 section 4). */
  staleIfError?: number;
  /** `no-store` (RFC 9111 sections 5.2.1.5 and 5.2.2.5). */
  noStore: boolean;
  /**
   * `no-cache` (RFC 9111 sections 5.2.1.4 and 5.2.2.4): `true` when unqualified, or the lower-case
   * field names of the qualified form (`no-cache="set-cookie"`), which may be stored without them.
   */
  noCache: boolean | string[];
  /** `private`, qualified or not (RFC 9111 section 5.2.2.7); a shared cache treats both as private. */
  private: boolean;
  /** `public` (RFC 9111 section 5.2.2.9). */
  public: boolean;
  /** `must-revalidate` (RFC 9111 section 5.2.2.2). */
  mustRevalidate: boolean;
  /** `proxy-revalidate` (RFC 9111 section 5.2.2.8). */
  proxyRevalidate: boolean;
  /** `must-understand` (RFC 9111 section 5.2.2.3): store only a status this cache understands, then ignore `no-store`. */
  mustUnderstand: boolean;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const DIGITS = /^[0-9]+$/;
/** RFC 9111 section 1.2.2: a delta-seconds too large to represent is taken as 2^31. */
const DELTA_MAX = 2_147_483_648;

const DELTA_DIRECTIVES = new Map<string, 'maxAge' | 'sMaxAge' | 'staleWhileRevalidate' | 'staleIfError'>([
  ['max-age', 'maxAge'],
  ['s-maxage', 'sMaxAge'],
  ['stale-while-revalidate', 'staleWhileRevalidate'],
  ['stale-if-error', 'staleIfError'],
]);
const FLAG_DIRECTIVES = new Map<
  string,
  'noStore' | 'public' | 'mustRevalidate' | 'proxyRevalidate' | 'mustUnderstand'
>([
  ['no-store', 'noStore'],
  ['public', 'public'],
  ['must-revalidate', 'mustRevalidate'],
  ['proxy-revalidate', 'proxyRevalidate'],
  ['must-understand', 'mustUnderstand'],
]);

/** One `name[=value]` read from the field; `value` is unquoted. */
interface Directive {
  name: string;
  value: string | undefined;
}

/**
 * Split a field value into directives, or `undefined` when it is not a valid `#cache-directive`
 * list: a bad token, an unterminated or badly escaped quoted-string, or text after a value.
 * Empty list elements are allowed (RFC 9110 section 5.6.1).
 */
function tokenize(text: string): Directive[] | undefined {
  const out: Directive[] = [];
  const n = text.length;
  let i = 0;
  const skipOws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  while (i < n) {
    skipOws();
    if (i >= n) break;
    if (text[i] === ',') {
      i++;
      continue;
    }
    const nameStart = i;
    while (i < n && text[i] !== '=' && text[i] !== ',' && text[i] !== ' ' && text[i] !== '\t') i++;
    const name = text.slice(nameStart, i);
    if (!TOKEN.test(name)) return undefined;
    skipOws();
    let value: string | undefined;
    if (text[i] === '=') {
      i++;
      skipOws();
      if (text[i] === '"') {
        i++;
        let v = '';
        let closed = false;
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === 0x22) {
            closed = true;
            i++;
            break;
          }
          if (c === 0x5c) {
            // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
            const next = text.charCodeAt(i + 1);
            if (Number.isNaN(next) || (next < 0x20 && next !== 0x09) || next === 0x7f) return undefined;
            v += text[i + 1];
            i += 2;
            continue;
          }
          if ((c < 0x20 && c !== 0x09) || c === 0x7f) return undefined;
          v += text[i];
          i++;
        }
        if (!closed) return undefined;
        value = v;
      } else {
        const valueStart = i;
        while (i < n && text[i] !== ',' && text[i] !== ' ' && text[i] !== '\t') i++;
        value = text.slice(valueStart, i);
        if (!TOKEN.test(value)) return undefined;
      }
      skipOws();
    }
    if (i < n && text[i] !== ',') return undefined;
    out.push({ name: name.toLowerCase(), value });
  }
  return out;
}

/** The field names of a qualified `no-cache`/`private` argument: a comma list of tokens. */
function fieldNames(value: string): string[] | undefined {
  const names: string[] = [];
  for (const part of value.split(',')) {
    const name = part.trim();
    if (name === '') continue;
    if (!TOKEN.test(name)) return undefined;
    names.push(name.toLowerCase());
  }
  return names;
}

/** A {@link CacheControl} with no directive set, for a parser to fill in. */
export function emptyCacheControl(): CacheControl {
  return {
    noStore: false,
    noCache: false,
    private: false,
    public: false,
    mustRevalidate: false,
    proxyRevalidate: false,
    mustUnderstand: false,
  };
}

/**
 * Parse `Cache-Control` (one string, or the field lines as Node gives them). An absent field parses
 * as no directives. Returns `undefined` when the field is malformed: invalid syntax, a delta-seconds
 * directive without a non-negative integer (`max-age=abc`, `max-age=-1`, bare `max-age`), an
 * argument on a directive that takes none (`no-store=1`), or the same directive twice with different
 * arguments. RFC 9111 section 4.2.1 allows treating such a response as stale; we go further and
 * do not store it.
 */
export function parseCacheControl(value: HeaderValue | undefined): CacheControl | undefined {
  const cc = emptyCacheControl();
  const text = headerString(value);
  if (text === undefined) return cc;
  const directives = tokenize(text);
  if (directives === undefined) return undefined;
  const seen = new Map<string, string | undefined>();
  for (const { name, value: arg } of directives) {
    if (seen.has(name)) {
      // a repeat that says the same thing is harmless; one that disagrees is ambiguous
      if (seen.get(name) !== arg) return undefined;
      continue;
    }
    seen.set(name, arg);
    const delta = DELTA_DIRECTIVES.get(name);
    if (delta !== undefined) {
      // RFC 9111 section 5.2: senders use the token form, but a quoted number means the same
      if (arg === undefined || !DIGITS.test(arg)) return undefined;
      cc[delta] = Math.min(Number(arg), DELTA_MAX);
      continue;
    }
    const flag = FLAG_DIRECTIVES.get(name);
    if (flag !== undefined) {
      if (arg !== undefined) return undefined;
      cc[flag] = true;
      continue;
    }
    if (name === 'no-cache' || name === 'private') {
      let qualified: string[] | boolean = true;
      if (arg !== undefined) {
        // the qualified form is a quoted list; a bare token is tolerated as a single name
        const names = fieldNames(arg);
        if (names === undefined) return undefined;
        qualified = names.length === 0 ? true : names;
      }
      if (name === 'private') cc.private = true;
      else cc.noCache = qualified;
    }
    // other directives (no-transform, immutable, min-fresh, max-stale, only-if-cached, extensions)
    // do not change what a shared cache stores or serves here, so they are accepted and ignored
  }
  return cc;
}
