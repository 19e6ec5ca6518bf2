/**
 * `Vary` (RFC 9110 section 12.5.5, RFC 9111 section 4.1): which request headers select a stored
 * variant, and the key a variant is stored under.
 */
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

/**
 * The key of the variant of `baseKey` that a request with `headers` selects, given the response's
 * varied field `names`: `baseKey`, then one line per field (`name=value`, or `name` alone when the
 * request lacks it). Field values cannot contain a line feed, so distinct variants never collide.
 */
export function variantKey(baseKey: string, names: readonly string[], headers: Readonly<HeaderMap>): string {
  let key = baseKey;
  for (const name of names) {
    const value = normalizedValue(headers[name]);
    key += value === undefined ? `\n${name}` : `\n${name}=${value}`;
  }
  return key;
}
