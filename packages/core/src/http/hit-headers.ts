/**
 * Which header wins when a response the cache answered (a hit, a stale entry, a 304) is written to a
 * framework response that already carries headers: the same rule on every adapter.
 *
 * The stored response wins for what describes the stored representation and its caching (a
 * `Content-Type` or `ETag` set by middleware for another body would mislabel it); the application
 * wins for everything else it set for this request before the cache answered (a request id, CORS,
 * security headers), so a hit carries this request's values, not the ones of the request that
 * filled the entry.
 */

/** Fields of the stored response that replace a value the application set (RFC 9110 §8, §8.8; RFC 9111 §5). */
const STORED_WINS: ReadonlySet<string> = new Set([
  'content-type',
  'content-encoding',
  'content-language',
  'content-length',
  'content-location',
  'content-range',
  'content-disposition',
  'etag',
  'last-modified',
  'accept-ranges',
  'age',
  'cache-control',
  'expires',
  'vary',
  'cache-status',
]);

/**
 * Whether the cached response's `name` (lower case) is written over a value the application already
 * set for this request.
 */
export function storedHeaderWins(name: string): boolean {
  return STORED_WINS.has(name);
}
