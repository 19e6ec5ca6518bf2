// host ident authuser [date] "request" status bytes, then anything (Combined adds "referer" "agent").
// The quoted request may contain backslash escapes (Apache writes \" and \\ inside it).
const CLF = /^\S+ \S+ .*?\[[^\]]*\] "((?:[^"\\]|\\.)*)" (?:\d{3}|-) (?:\d+|-)(?:\s|$)/;
const METHOD = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * Extracts the cache key from one line of an access log in Common or Combined Log Format:
 * the request method and the request target (path plus query, as logged), joined by one space,
 * for example `GET /a?b=1`. The protocol (`HTTP/1.1`) is not part of the key.
 *
 * Returns `undefined` for a line that is not CLF, or whose request is not `METHOD target [protocol]`
 * (for example `"-"`, which servers log for a connection that sent no request).
 *
 * The authuser field may contain spaces (some servers log it that way); the date must be in
 * brackets, the request in double quotes, the status three digits or `-`, the size digits or `-`.
 */
export function parseClfLine(line: string): string | undefined {
  const match = CLF.exec(line);
  const request = match?.[1];
  if (request === undefined) return undefined;
  const parts = request.split(' ');
  const method = parts[0];
  const target = parts[1];
  if (method === undefined || target === undefined || target === '' || parts.length > 3) return undefined;
  if (!METHOD.test(method)) return undefined;
  return `${method} ${target}`;
}
