/**
 * Response capture for Node's `ServerResponse` (the Express adapter, and Nest on either platform, use
 * it): the one place that patches `res`. Everything Express, Fastify and
 * Node can send (`res.send`, `res.json`, `res.sendFile`, `stream.pipe(res)`, raw `write`/`end`,
 * explicit `writeHead`, the default error handler) ends in `writeHead`, `write` and `end`, so those
 * three methods are all that is patched, and they are restored when the response finishes or closes.
 */
import { ServerResponse, STATUS_CODES } from 'node:http';
import type { Fill, HeaderMap, ResponseLike } from './types.js';

type Method = (this: ServerResponse, ...args: unknown[]) => unknown;
type Callback = (error?: Error | null) => void;
type Patchable = Record<'writeHead' | 'write' | 'end', Method>;

/**
 * Where a capture is:
 * - `idle`: nothing sent yet;
 * - `store`: headers sent, chunks are passed through and buffered for the store;
 * - `pass`: passing through untouched (not storing, over the byte limit, settled or closed);
 * - `swallow`: the engine chose a stale substitute (stale-if-error); the origin's output is dropped
 *   and the substitute is sent when the origin ends.
 */
type State = 'idle' | 'store' | 'pass' | 'swallow';

const EMPTY = Buffer.alloc(0);

/** Node's own `writeHead`: when `res` still has it below and nothing above, no layer adds headers late. */
const NATIVE_WRITE_HEAD = ServerResponse.prototype.writeHead as unknown as Method;

/**
 * Route the response written to `res` into `fill`, and send what the engine decides instead of the
 * origin's response where it says so (`Cache-Status`, a 304, a stale substitute).
 *
 * - A response sent in one `end` call before its headers went out (`res.send`, `res.json`,
 *   `res.end(body)`, `res.redirect`, the default error handler) goes to `fill.commit`, and what it
 *   returns is sent.
 * - Otherwise, when headers are about to be sent (explicit `writeHead`, or the first `write`), it calls
 *   `fill.start` and sets the headers it returns; when it asks to store, written chunks (strings in
 *   their encodings, Buffers, Uint8Arrays) are buffered while still passed through, up to
 *   `maxEntryBytes` (past it, `fill.abandon`); at `end`, `fill.finish(body)`.
 * - When `res` closes before the body ended, `fill.abandon`.
 * - Storability is decided on the headers actually written: a layer that wraps `writeHead` (above or
 *   below this capture, as `on-headers` does for express-session and compression) may add fields as
 *   the headers go out. Then even a one-call response takes the `start` path, and when a
 *   `Set-Cookie` appears as the headers are written, the capture abandons the fill: that page
 *   belongs to one visitor.
 *
 * The fill is always settled exactly once. `writeHead`, `write` and `end` are restored when `res`
 * emits `finish` or `close`: each gets back the method it had (an inherited one as an own field of
 * the same value); a patch that another layer wrapped in the meantime is left in place and passes
 * through.
 *
 * @param res - the response, before anything was written to it.
 * @param fill - the engine's fill handle for this request.
 */
export function captureResponse(res: ServerResponse, fill: Fill): void {
  // buffer no more than the engine would store; past it the body only passes through
  const maxEntryBytes = fill.maxEntryBytes;
  const target = res as unknown as Patchable;
  const writeHead = target.writeHead;
  const write = target.write;
  const end = target.end;
  let state: State = 'idle';
  let settled = false;
  let chunks: Buffer[] = [];
  let size = 0;
  let substitute: ResponseLike | undefined;

  const settle = (action: () => unknown): void => {
    if (settled) return;
    settled = true;
    try {
      action();
    } catch {
      // The engine absorbs its own failures; a throw here must still never break the response.
    }
  };

  const abandon = (reason: unknown): void => {
    state = 'pass';
    chunks = [];
    settle(() => fill.abandon(reason));
  };

  // Once headers are out: a Set-Cookie some layer added while writing them means the response is
  // one visitor's, whatever the engine decided on the headers it saw.
  const checkWritten = (): void => {
    if (state === 'store' && res.headersSent && res.getHeader('set-cookie') !== undefined) {
      abandon(new Error('Set-Cookie was added as the headers were written'));
    }
  };

  // Headers are about to go out: let the engine see them and add its own, or substitute.
  const begin = (): void => {
    let decision: ReturnType<Fill['start']>;
    try {
      decision = fill.start(res.statusCode, res.getHeaders() as HeaderMap);
    } catch (error) {
      abandon(error);
      return;
    }
    if ('substitute' in decision) {
      state = 'swallow';
      substitute = decision.substitute;
      settled = true;
      return;
    }
    applyHeaders(res, decision.headers);
    state = decision.store ? 'store' : 'pass';
    if (!decision.store) settled = true;
  };

  const collect = (chunk: unknown, encoding: unknown): void => {
    const buffer = toBuffer(chunk, encoding);
    if (buffer === undefined || buffer.length === 0) return;
    size += buffer.length;
    // 'too-large' tells the engine to remember the key as pass, so it is not buffered again
    if (size > maxEntryBytes) abandon('too-large');
    else chunks.push(buffer);
  };

  // Calls into the layers below run with `inner` set: an `end` that calls `this.write`, or Node's
  // implicit `writeHead`, must reach the layer below as is, not be captured twice.
  let inner = false;
  const below = (method: Method, args: unknown[]): unknown => {
    const outer = inner;
    inner = true;
    try {
      return method.apply(res, args);
    } finally {
      inner = outer;
    }
  };

  const patchedWriteHead: Method = (...args) => {
    if (inner || state === 'pass' || state === 'store') return below(writeHead, args);
    if (state === 'swallow') return res;
    const [status, reason, headers] = args;
    if (typeof status === 'number') res.statusCode = status;
    if (typeof reason === 'string') res.statusMessage = reason;
    // Headers given to writeHead are invisible to getHeaders(); move them onto res first.
    setHeaders(res, typeof reason === 'string' ? headers : reason);
    begin();
    if ((state as State) === 'swallow') return res;
    const result = below(writeHead, [res.statusCode]);
    checkWritten();
    return result;
  };

  const patchedWrite: Method = (...args) => {
    if (inner) return below(write, args);
    if (state === 'idle') begin();
    if (state === 'swallow') {
      later(typeof args[1] === 'function' ? args[1] : args[2]);
      return true;
    }
    const result = below(write, args);
    checkWritten();
    if (state === 'store') collect(args[0], args[1]);
    return result;
  };

  const patchedEnd: Method = (...args) => {
    if (inner) return below(end, args);
    let [chunk, encoding, callback] = args;
    if (typeof chunk === 'function') [chunk, encoding, callback] = [undefined, undefined, chunk];
    else if (typeof encoding === 'function') [encoding, callback] = [undefined, encoding];
    // a layer wrapping writeHead may still add headers: decide through the `start` path, which
    // checks what was written before storing
    const wrapped = target.writeHead !== patchedWriteHead || writeHead !== NATIVE_WRITE_HEAD;
    if (state === 'idle' && !res.headersSent && !wrapped) {
      // The whole response in one call: the engine may answer with something else (304, substitute).
      state = 'pass';
      let response: ResponseLike;
      try {
        const body = toBuffer(chunk, encoding);
        // A chunk Node would reject goes below untouched, for Node to report.
        if (body === undefined && chunk != null) throw new TypeError('not a string or bytes');
        response = fill.commit({
          status: res.statusCode,
          headers: res.getHeaders() as HeaderMap,
          body: body ?? EMPTY,
        });
      } catch (error) {
        settle(() => fill.abandon(error));
        return below(end, args);
      }
      settled = true;
      return send(response, callback);
    }
    if (state === 'idle') begin();
    if (state === 'swallow') {
      state = 'pass';
      if (substitute !== undefined) send(substitute, callback);
      else later(callback);
      return res;
    }
    if (state === 'store') collect(chunk, encoding);
    let result: unknown;
    try {
      result = below(end, args);
    } catch (error) {
      abandon(error);
      throw error;
    }
    checkWritten();
    if (state === 'store') {
      state = 'pass';
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      chunks = [];
      settle(() => fill.finish(body));
    }
    return result;
  };

  // Send an engine-decided response through the layers below.
  const send = (response: ResponseLike, callback: unknown): unknown => {
    if (response.status !== res.statusCode) {
      res.statusCode = response.status;
      res.statusMessage = STATUS_CODES[response.status] ?? 'unknown';
    }
    applyHeaders(res, response.headers);
    const body = toBuffer(response.body, undefined) ?? EMPTY;
    return below(end, typeof callback === 'function' ? [body, callback] : [body]);
  };

  const patched: Patchable = { writeHead: patchedWriteHead, write: patchedWrite, end: patchedEnd };
  target.writeHead = patchedWriteHead;
  target.write = patchedWrite;
  target.end = patchedEnd;

  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    const previous: Patchable = { writeHead, write, end };
    for (const name of ['writeHead', 'write', 'end'] as const) {
      // the method it had, own or inherited, as an own field: deleting a field of a response whose
      // prototype Express replaced turns it into a slow dictionary object (V8), which then slowed
      // Node's own work on every response that missed
      if (target[name] === patched[name]) target[name] = previous[name];
    }
  };
  res.once('finish', restore);
  res.once('close', () => {
    if (!settled) abandon(new Error('response closed before it finished'));
    state = 'pass';
    restore();
  });
}

/** Make the headers of `res` exactly `headers`. */
function applyHeaders(res: ServerResponse, headers: HeaderMap): void {
  for (const name of res.getHeaderNames()) {
    if (headers[name] === undefined) res.removeHeader(name);
  }
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && res.getHeader(name) !== value) res.setHeader(name, value);
  }
}

/** Apply the headers argument of `writeHead` (an object, or a flat or paired raw array) with `setHeader`. */
function setHeaders(res: ServerResponse, headers: unknown): void {
  if (Array.isArray(headers)) {
    const pairs: unknown[][] = Array.isArray(headers[0])
      ? headers
      : headers.flatMap((value, i) => (i % 2 === 0 ? [[value, headers[i + 1]]] : []));
    for (const name of new Set(pairs.map(([name]) => String(name).toLowerCase()))) res.removeHeader(name);
    for (const [name, value] of pairs) res.appendHeader(String(name), value as string);
  } else if (headers !== null && typeof headers === 'object') {
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined) res.setHeader(name, value as string);
    }
  }
}

/** A written chunk as bytes; `undefined` for none. */
function toBuffer(chunk: unknown, encoding: unknown): Buffer | undefined {
  if (typeof chunk === 'string') {
    return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  }
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return undefined;
}

/** Call a write callback asynchronously, as a stream would. */
function later(callback: unknown): void {
  if (typeof callback === 'function') process.nextTick(callback as Callback);
}
