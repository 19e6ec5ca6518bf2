/**
 * Header plumbing shared by the HTTP modules: reading a field as one string, and turning a captured
 * header map into the headers a stored response replays.
 */
import type { HeaderMap, HeaderValue } from './types.js';

/**
 * A field's value as one string, as RFC 9110 section 5.3 combines repeated field lines (joined with
 * `", "`); `undefined` when the field is absent or has no lines.
 */
export function headerString(value: HeaderValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return value.length === 0 ? undefined : value.join(', ');
}

/** Hop-by-hop fields (RFC 9110 section 7.6.1) that a cache never stores or replays. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * The headers a stored response replays: lower-case names, string values (arrays kept for fields
 * that may repeat, like `set-cookie`), without hop-by-hop fields, without the fields the `Connection`
 * header names, without `Age` (the engine regenerates it from the entry's times, RFC 9111 section
 * 5.1) and without the names in `drop` (the fields of a qualified `no-cache="..."`).
 */
export function storableHeaders(
  headers: HeaderMap,
  drop: readonly string[] = [],
): Record<string, string | string[]> {
  const connection = headerString(headers.connection);
  let extra = drop;
  if (connection !== undefined) {
    const named = [...drop];
    for (const name of connection.split(',')) {
      const n = name.trim().toLowerCase();
      if (n !== '') named.push(n);
    }
    extra = named;
  }
  const out: Record<string, string | string[]> = {};
  // a few names to skip: a linear search beats building a Set on every stored miss
  for (const rawName of Object.keys(headers)) {
    const value = headers[rawName];
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    if (HOP_BY_HOP.has(name) || name.startsWith('proxy-') || name === 'age' || extra.includes(name)) continue;
    out[name] = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : [...value];
  }
  return out;
}
