/**
 * Cache keys for requests (RFC 9111 section 2: the primary key is the method and the target URI).
 * The key must name exactly what the framework routes and the handler sees, or one request can store
 * a page under another's key (cache poisoning). So normalisation only merges spellings every
 * framework treats as equal: the path is kept byte for byte (Express routes `/p%61ge` apart from
 * `/page`), query parameters are sorted and their unreserved percent-encodings decoded (query
 * parsers decode them), and values an application could tell apart stay apart (`a=1&a=2` stays in
 * order, `+` stays distinct from `%20`, `a` stays distinct from `a=`). The host is the `Host` field,
 * which the frameworks give the handler, never the authority of an absolute-form target.
 */
import { headerString } from './headers.js';
import type { RequestLike } from './types.js';

const HEX = '0123456789ABCDEF';
const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

function isUnreserved(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x2d || // -
    code === 0x2e || // .
    code === 0x5f || // _
    code === 0x7e // ~
  );
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/**
 * RFC 3986 section 6.2.2: upper-case the hex of percent-encodings and decode those of unreserved
 * characters (`%7E` is `~`). Reserved characters stay encoded (`%2F` is not `/`, `%26` is not `&`),
 * and an invalid escape is left exactly as it came.
 */
function normalizePercent(text: string): string {
  if (!text.includes('%')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '%' && i + 2 < text.length) {
      const hi = hexValue(text.charCodeAt(i + 1));
      const lo = hexValue(text.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        const code = hi * 16 + lo;
        out += isUnreserved(code) ? String.fromCharCode(code) : `%${HEX[hi]}${HEX[lo]}`;
        i += 2;
        continue;
      }
    }
    out += c;
  }
  return out;
}

/**
 * The path and query of a request target, normalised for keys and URL tags: absolute-form targets
 * lose scheme and authority, the fragment (never part of a request; the engine bypasses requests
 * that carry one) is dropped, the path is kept as sent, an empty query is dropped, and query
 * parameters are sorted by name with their percent-encodings normalised, keeping the original order
 * of parameters with the same name (their order can matter to the application).
 */
export function normalizePathAndQuery(url: string): string {
  const known = memo.get(url);
  if (known !== undefined) return known;
  const normalized = normalize(url);
  // a full memo is dropped whole: cheaper than LRU bookkeeping, and a flood of unique URLs (which
  // would miss anyway) cannot grow it
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(url, normalized);
  return normalized;
}

/** Hot URLs repeat; remembering their normal form keeps sorting and decoding off the hit path. */
const memo = new Map<string, string>();
const MEMO_MAX = 4096;

function normalize(url: string): string {
  let target = url;
  // origin-form (`/path`) is what servers nearly always see; only other forms need the regex
  if (target.charCodeAt(0) !== 0x2f) {
    const absolute = ABSOLUTE.exec(target);
    if (absolute) target = target.slice(absolute[0].length) || '/';
  }
  const hash = target.indexOf('#');
  if (hash !== -1) target = target.slice(0, hash);
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  // the path as sent: routers differ on which escapes they decode before matching (Express matches
  // the raw path, so `/p%61ge` is its 404 while `/page` is a page)
  const path = rawPath === '' ? '/' : rawPath;
  if (q === -1) return path;
  const query = target.slice(q + 1);
  if (query === '') return path;
  const params = query.split('&');
  // the common case, already sorted and clean, is returned without building anything
  let clean = true;
  let previous = '';
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    if (p === '' || p.includes('%')) {
      clean = false;
      break;
    }
    const eq = p.indexOf('=');
    const name = eq === -1 ? p : p.slice(0, eq);
    if (name < previous) {
      clean = false;
      break;
    }
    previous = name;
  }
  if (clean) return path === rawPath ? target : `${path}?${query}`;
  const named: { name: string; p: string }[] = [];
  for (const raw of params) {
    if (raw === '') continue;
    const p = normalizePercent(raw);
    const eq = p.indexOf('=');
    named.push({ name: eq === -1 ? p : p.slice(0, eq), p });
  }
  if (named.length === 0) return path;
  // Array.prototype.sort is stable, so repeated names keep their relative order
  named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let out = `${path}?${named[0]!.p}`;
  for (let i = 1; i < named.length; i++) out += `&${named[i]!.p}`;
  return out;
}

const SAFE_HOST = /^[a-z0-9.\-_~!$&'()*+,;=:[\]%]*$/;

/**
 * The request's authority for keys: `Host`, else HTTP/2's `:authority`; lower-cased. Never the
 * authority of an absolute-form target (`GET http://a.example/ HTTP/1.1` with `Host: b.example`):
 * Fastify and Express give the handler `Host`, so that is what the page is built from. A value with
 * characters no host can contain (a `/` in particular, which would let a forged `Host` collide with
 * another host's path) is percent-encoded.
 */
export function normalizeHost(req: RequestLike): string {
  const raw = headerString(req.headers.host) ?? headerString(req.headers[':authority']) ?? '';
  if (raw === lastRawHost) return lastHost;
  const trimmed = raw.trim().toLowerCase();
  const host = SAFE_HOST.test(trimmed) ? trimmed : encodeURIComponent(trimmed);
  lastRawHost = raw;
  lastHost = host;
  return host;
}

/** The last raw authority normalised, and its normal form: a server sees one `Host` on most requests. */
let lastRawHost: string | undefined;
let lastHost = '';

/**
 * The origin part of keys: the host, preceded by `https://` for a request whose scheme is not
 * `http` (`'example.com'`, `'https://example.com'`).
 */
export function keyOrigin(req: RequestLike): string {
  const host = normalizeHost(req);
  const scheme = req.scheme;
  if (scheme === undefined || scheme === 'http') return host;
  return `${/^[a-z][a-z0-9+.-]*$/i.test(scheme) ? scheme.toLowerCase() : encodeURIComponent(scheme)}://${host}`;
}

/**
 * The default cache key of a request: method class (`GET` for GET and HEAD, which share entries),
 * origin ({@link keyOrigin}: the host, with the scheme when it is not `http`), and normalised path
 * and query, as `'GET example.com/items?a=1&b=2'` or `'GET https://example.com/items'`.
 * `pathAndQuery` may be passed when the caller has already normalised `req.url`.
 */
export function cacheKey(req: RequestLike, pathAndQuery: string = normalizePathAndQuery(req.url)): string {
  const method = req.method;
  const host = keyOrigin(req);
  if (method === 'GET' || method === 'HEAD') {
    // the same key string every time: the store's map then compares it by identity, and neither
    // builds nor hashes a new string on every hit
    const known = keys.get(pathAndQuery);
    if (known !== undefined && known.host === host) return known.key;
    const key = `GET ${host}${pathAndQuery}`;
    if (keys.size >= MEMO_MAX) keys.clear();
    keys.set(pathAndQuery, { host, key });
    return key;
  }
  const upper = method.toUpperCase();
  return `${upper === 'HEAD' ? 'GET' : upper} ${host}${pathAndQuery}`;
}

/** The last GET key built for a normalised path and query, with the host it was built for. */
const keys = new Map<string, { host: string; key: string }>();
