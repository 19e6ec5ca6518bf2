/**
 * `Vary` (RFC 9110 section 12.5.5, RFC 9111 section 4.1): which request headers select a stored
 * variant, and the key a variant is stored under.
 */
import type { StoredEntry } from '../store/types.js';
import { EMPTY_BODY } from './entry-response.js';
import { headerString } from './headers.js';
import type { HeaderMap, HeaderValue } from './types.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Parse `Vary`: the lower-case field names, de-duplicated and sorted (so two responses naming the
 * same fields in another order select the same variants); `'*'` when any member is `*` (never
 * storable, RFC 9111 section 4.1); `undefined` when a member is not a field name. An absent or empty
 * field is `[]`.
 */
export function parseVary(value: HeaderValue | undefined): string[] | '*' | undefined {
  const text = headerString(value);
  if (text === undefined) return [];
  const names = new Set<string>();
  for (const part of text.split(',')) {
    const name = part.trim();
    if (name === '') continue;
    if (name === '*') return '*';
    if (!TOKEN.test(name)) return undefined;
    names.add(name.toLowerCase());
  }
  return [...names].sort();
}

/**
 * The request's value of a varied field, normalised as RFC 9111 section 4.1 allows: field lines
 * combined, whitespace around commas removed and runs of whitespace collapsed. Case is kept, since
 * some fields are case-sensitive. `undefined` when absent, which is a different variant from empty.
 */
function normalizedValue(value: HeaderValue | undefined): string | undefined {
  const text = headerString(value);
  if (text === undefined) return undefined;
  return text
    .trim()
    .replace(/[ \t]*,[ \t]*/g, ',')
    .replace(/[ \t]+/g, ' ');
}

/** Fields whose value is a list of case-insensitive tokens with quality values (RFC 9110 section 12.4.2). */
const WEIGHTED_LISTS = new Set(['accept-language', 'accept-encoding']);
const QVALUE = /^q=(0(\.\d{0,3})?|1(\.0{0,3})?)$/i;

/**
 * A weighted list in a canonical form, so that requests that ask for the same thing select the same
 * variant: members lower-cased, `q=1` made implicit, ordered by quality then name (members of equal
 * quality are equally preferred, RFC 9110 section 12.4.2). `undefined` when a member cannot be read;
 * the value is then compared as written.
 */
function canonicalList(text: string): string | undefined {
  const members: { name: string; q: number; rest: string }[] = [];
  for (const part of text.split(',')) {
    const [rawName = '', ...params] = part.split(';').map((p) => p.trim());
    if (rawName === '') continue;
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(rawName)) return undefined;
    let q = 1;
    const rest: string[] = [];
    for (const param of params) {
      if (/^q=/i.test(param)) {
        if (!QVALUE.test(param)) return undefined;
        q = Number(param.slice(2));
      } else rest.push(param.toLowerCase());
    }
    members.push({ name: rawName.toLowerCase(), q, rest: rest.map((r) => `;${r}`).join('') });
  }
  members.sort((a, b) => b.q - a.q || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return members.map((m) => `${m.name}${m.rest}${m.q === 1 ? '' : `;q=${m.q}`}`).join(',');
}

/**
 * The key of the variant of `baseKey` that a request with `headers` selects, given the response's
 * varied field `names`: `baseKey`, then one line per field (`name=value`, or `name` alone when the
 * request lacks it). `Accept-Language` and `Accept-Encoding` values are compared by meaning
 * (`en, DE` selects the variant of `de, en`). Field values cannot contain a line feed, so distinct variants never collide.
 */
export function variantKey(baseKey: string, names: readonly string[], headers: Readonly<HeaderMap>): string {
  let key = baseKey;
  for (const name of names) {
    let value = normalizedValue(headers[name]);
    if (value !== undefined && WEIGHTED_LISTS.has(name)) value = canonicalList(value) ?? value;
    key += value === undefined ? `\n${name}` : `\n${name}=${value}`;
  }
  return key;
}

/**
 * The index entry stored at a URL's base key when its responses vary on `vary` (found at lookup, it
 * sends readers to the variant key): no body, and the URL's internal `tags`. It lives as long as its
 * longest-lived variant under the same Vary: `variant`, just stored, or what `previous` (the index
 * the lookup found) already covered.
 */
export function varyIndexEntry(
  vary: string[],
  variant: StoredEntry,
  previous: StoredEntry | undefined,
  tags: string[],
): StoredEntry {
  const sameVary = previous?.vary !== undefined && previous.vary.join() === vary.join();
  const expiresAt = Math.max(variant.expiresAt, sameVary ? previous.expiresAt : 0);
  return {
    status: 200,
    headers: {},
    body: EMPTY_BODY,
    storedAt: variant.storedAt,
    initialAge: 0,
    staleAt: expiresAt,
    staleWhileRevalidateUntil: expiresAt,
    staleIfErrorUntil: expiresAt,
    expiresAt,
    tags,
    vary,
  };
}
