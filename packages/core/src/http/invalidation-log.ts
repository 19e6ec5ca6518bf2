/**
 * The engine's memory of recent invalidations, so that a fill whose origin call began before a purge
 * does not store what the purge removed; and the tags an unsafe request invalidates (RFC 9111
 * section 4.4).
 */
import { ConfigError } from '../errors.js';
import type { InvalidationMessage } from '../store/shared-backend.js';
import { keyOrigin, normalizeHost, normalizePathAndQuery } from './cache-key.js';
import { headerString } from './headers.js';
import { isApplicationTag, keyTag, originUrlTag, urlTag } from './tags.js';
import type { HeaderMap, InvalidateOptions, RequestLike } from './types.js';

/** How many invalidations in-flight fills can be checked against; a fill older than that is not stored. */
const RECENT_INVALIDATIONS = 256;

/** Generations of invalidations, and the tags of the latest ones. */
export class InvalidationLog {
  /** Counts invalidations; fills compare it so a purge during their origin call is not undone. */
  #generation = 0;
  /** The latest invalidations, newest last: their generation and tags (`undefined`: everything). */
  readonly #recent: { generation: number; tags: readonly string[] | undefined }[] = [];

  /** The invalidation counter now. */
  get generation(): number {
    return this.#generation;
  }

  /** Remember an invalidation of entries carrying any of `tags`, or of everything (`undefined`). */
  note(tags: readonly string[] | undefined): void {
    this.#recent.push({ generation: ++this.#generation, tags });
    if (this.#recent.length > RECENT_INVALIDATIONS) this.#recent.shift();
  }

  /** Remember an invalidation another process made (heard on the shared tier's bus). */
  noteMessage(message: InvalidationMessage): void {
    if (message.clear === true) {
      this.note(undefined);
      return;
    }
    const tags = [...(message.tags ?? []), ...(message.keys ?? []).map(keyTag)];
    if (tags.length > 0) this.note(tags);
  }

  /** Whether an invalidation since `generation` touched any of `tags` (or cannot be ruled out). */
  invalidatedSince(generation: number, tags: readonly string[]): boolean {
    if (generation === this.#generation) return false;
    const recent = this.#recent;
    // older than what we remember: assume the worst and do not store
    if (recent.length === 0 || recent[0]!.generation > generation + 1) return true;
    for (const r of recent) {
      if (r.generation <= generation) continue;
      if (r.tags === undefined || r.tags.some((t) => tags.includes(t))) return true;
    }
    return false;
  }
}

/**
 * What a successful unsafe request invalidates: its URL, and same-origin `Location` /
 * `Content-Location`, on the request's own origin only (RFC 9111 section 4.4): a POST to one host
 * purges nothing of another.
 */
export function unsafeInvalidationTags(req: RequestLike, headers: Readonly<HeaderMap>): string[] {
  const origin = keyOrigin(req);
  const tags = [originUrlTag(origin, normalizePathAndQuery(req.url))];
  for (const name of ['location', 'content-location']) {
    const value = headerString(headers[name]);
    if (value === undefined) continue;
    const path = sameOriginPath(value, req);
    if (path !== undefined) tags.push(originUrlTag(origin, path));
  }
  return tags;
}

/**
 * The normalised path and query a `Location` or `Content-Location` value names, when it is on the
 * request's own host (relative references always are); `undefined` for another host or a value that
 * is not a URI reference. RFC 9111 section 4.4 forbids invalidating another origin's URIs: that would
 * let one site purge another's entries.
 */
function sameOriginPath(reference: string, req: RequestLike): string | undefined {
  const host = normalizeHost(req);
  const scheme = (req.scheme ?? 'http').toLowerCase();
  try {
    // the Host the handler saw, never an absolute-form target's authority
    const path = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(req.url) ? normalizePathAndQuery(req.url) : req.url;
    const base = `${scheme}://${host || 'localhost'}${path}`;
    const resolved = new URL(reference.trim(), base);
    const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:/.test(reference.trim());
    if (absolute && (resolved.host.toLowerCase() !== host || resolved.protocol !== `${scheme}:`)) {
      return undefined;
    }
    return normalizePathAndQuery(resolved.pathname + resolved.search);
  } catch {
    return undefined;
  }
}

/**
 * The tags an explicit invalidation removes: the key's, the URL's (normalised as keys are) and the
 * application tags given. @throws {@link ConfigError} for invalid arguments.
 */
export function invalidationTags(options: InvalidateOptions): string[] {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('invalidate', options, 'an object with key, url or tags');
  }
  const { key, url, tags } = options;
  if (key !== undefined && (typeof key !== 'string' || key === '')) {
    throw new ConfigError('key', key, 'a non-empty string');
  }
  if (url !== undefined && (typeof url !== 'string' || url === '')) {
    throw new ConfigError('url', url, 'a non-empty string');
  }
  if (tags !== undefined && (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string'))) {
    throw new ConfigError('tags', tags, 'an array of strings');
  }
  if (key === undefined && url === undefined && tags === undefined) {
    throw new ConfigError('invalidate', options, 'at least one of key, url or tags');
  }
  const all: string[] = [];
  if (key !== undefined) all.push(keyTag(key));
  if (url !== undefined) all.push(urlTag(normalizePathAndQuery(url)));
  if (tags !== undefined) all.push(...tags.filter(isApplicationTag));
  return all;
}
