/**
 * Response capture for Node's `ServerResponse` (the Express adapter, and Nest on either platform, use
 * it): the one place that patches `res`. Everything Express, Fastify and
 * Node can send (`res.send`, `res.json`, `res.sendFile`, `stream.pipe(res)`, raw `write`/`end`,
 * explicit `writeHead`, the default error handler) ends in `writeHead`, `write` and `end`, so those
 * three methods are all that is patched, and they are restored when the response finishes or closes.
 * On Express, whose responses get a prototype of their own, they are patched once on Express's response
 * prototype instead, and route each call to the capture of the response it is made on (see
 * `sharedPatches`).
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
 * emits `close` (after `finish`, or alone when the connection went first): each gets back the method
 * it had (an inherited one as an own field of the same value); a patch that another layer wrapped in
 * the meantime is left in place and passes through. When `res` inherits the shared patches (an Express
 * response that no layer above gave its own `writeHead`, `write` or `end`), nothing is set on `res`:
 * it is registered with them until `close`, after which they pass its calls through.
 *
 * @param res - the response, before anything was written to it.
 * @param fill - the engine's fill handle for this request.
 */
export function captureResponse(res: ServerResponse, fill: Fill): void {
  const target = res as unknown as Patchable;
  const patches = sharedPatches(res);
  if (
    patches !== undefined &&
    target.writeHead === patches.writeHead &&
    target.write === patches.write &&
    target.end === patches.end &&
    !captures.has(res)
  ) {
    // Nothing overrides the shared patches on this response: register it with them, no own property.
    const capture = new Capture(
      res,
      fill,
      patches,
      patches.below('writeHead'),
      patches.below('write'),
      patches.below('end'),
    );
    captures.set(res, capture);
    res.on('close', () => capture.closed());
    return;
  }
  const capture = new Capture(res, fill, undefined, target.writeHead, target.write, target.end);
  target.writeHead = capture.patchedWriteHead;
  target.write = capture.patchedWrite;
  target.end = capture.patchedEnd;
  // 'close' follows 'finish' on every response, and comes alone when the connection went first
  res.on('close', () => capture.closed());
}

/**
 * The capture of each response that the shared patches of its prototype route to (see
 * {@link sharedPatches}); removed when the response closes.
 */
const captures = new WeakMap<object, Capture>();

/** `writeHead`, `write` and `end` installed on a prototype, routing each call to the response's capture. */
interface SharedPatches extends Patchable {
  /** The method a response inheriting these patches has without them. */
  below(name: keyof Patchable): Method;
}

/** The shared patches installed on each prototype, by prototype; `null` where they could not be. */
const installed = new WeakMap<object, SharedPatches | null>();

/**
 * The shared patches for `res`, installed on first use: on the framework's own response prototype,
 * the object of its prototype chain just above Node's `ServerResponse.prototype`; `undefined` when
 * `res` is a plain `ServerResponse` or an instance of a class (`constructor` on its prototype).
 *
 * Why: Express replaces the prototype of every response (`Object.setPrototypeOf(res, app.response)`).
 * V8 caches no map transition for a property added to an object whose prototype was replaced, so
 * each of the three own properties an own patch adds allocated a new map and a copy of the
 * response's 40-field descriptor array (about 1.5 KB each, on every miss). Patches on the prototype
 * add nothing to the response. They are installed on the framework's base response (Express's
 * `response` module object), not on the request's current `app.response`: every application and
 * sub-application inherits from it, and Express swaps a response between them on the way in and
 * out of a sub-app. A response that does not inherit them (another copy of the framework, a layer
 * that set its own `writeHead`, `write` or `end` before this capture, such as `compression` mounted
 * above) is patched with own properties, as before.
 */
function sharedPatches(res: ServerResponse): SharedPatches | undefined {
  let proto: object | null = Object.getPrototypeOf(res) as object | null;
  if (proto === null || proto === ServerResponse.prototype || Object.hasOwn(proto, 'constructor'))
    return undefined;
  for (;;) {
    const above: object | null = Object.getPrototypeOf(proto) as object | null;
    if (above === ServerResponse.prototype) break;
    if (above === null) return undefined;
    proto = above;
  }
  const patches = installed.get(proto);
  if (patches === null) return undefined;
  return patches ?? install(proto);
}

/**
 * Install the shared patches on `host`. Each routes a call on a response with a capture to it, and
 * passes any other call to what `host` had before: its own method if it had one, else the inherited one,
 * looked up at each call (an instrumentation that patches `ServerResponse.prototype` later is kept).
 */
function install(host: object): SharedPatches | undefined {
  const owned = host as Partial<Patchable>;
  const own = {
    writeHead: Object.hasOwn(host, 'writeHead') ? owned.writeHead : undefined,
    write: Object.hasOwn(host, 'write') ? owned.write : undefined,
    end: Object.hasOwn(host, 'end') ? owned.end : undefined,
  };
  const below = (name: keyof Patchable): Method =>
    own[name] ?? (Object.getPrototypeOf(host) as Patchable)[name];
  // `arguments` rather than rest parameters: a response captured by nothing (a hit, a route without
  // the cache) passes through with no array allocated
  const patches: SharedPatches = {
    writeHead(this: ServerResponse) {
      const capture = captures.get(this);
      // biome-ignore lint/complexity/noArguments: passed on as given, see above
      if (capture === undefined) return Reflect.apply(below('writeHead'), this, arguments);
      // biome-ignore lint/complexity/noArguments: copied for the capture only
      return capture.onWriteHead([...arguments]);
    },
    write(this: ServerResponse) {
      const capture = captures.get(this);
      // biome-ignore lint/complexity/noArguments: passed on as given, see above
      if (capture === undefined) return Reflect.apply(below('write'), this, arguments);
      // biome-ignore lint/complexity/noArguments: copied for the capture only
      return capture.onWrite([...arguments]);
    },
    end(this: ServerResponse) {
      const capture = captures.get(this);
      // biome-ignore lint/complexity/noArguments: passed on as given, see above
      if (capture === undefined) return Reflect.apply(below('end'), this, arguments);
      // biome-ignore lint/complexity/noArguments: copied for the capture only
      return capture.onEnd([...arguments]);
    },
    below,
  };
  try {
    for (const name of ['writeHead', 'write', 'end'] as const) {
      Object.defineProperty(host, name, {
        value: patches[name],
        writable: true,
        configurable: true,
        enumerable: false,
      });
    }
  } catch {
    // a frozen prototype: its responses get own patches (a patch set before the throw passes through)
    installed.set(host, null);
    return undefined;
  }
  installed.set(host, patches);
  return patches;
}

/**
 * The state of one capture. A class rather than a dozen closures over shared variables: a miss then
 * allocates one object and the four functions Node's response needs (the three patches and the
 * 'close' listener).
 */
class Capture {
  state: State = 'idle';
  /** The fill was settled (committed, finished, abandoned), or will not be by this capture. */
  settled = false;
  /** Chunks buffered for the store (`store` state). */
  chunks: Buffer[] | undefined;
  size = 0;
  substitute: ResponseLike | undefined;
  /**
   * Calls into the layers below run with `inner` set: an `end` that calls `this.write`, or Node's
   * implicit `writeHead`, must reach the layer below as is, not be captured twice.
   */
  inner = false;
  restored = false;
  /** Buffer no more than the engine would store; past it the body only passes through. */
  readonly maxEntryBytes: number;
  /** The response's own `writeHead`, `write` and `end` while captured (the shared ones, when shared). */
  readonly patchedWriteHead: Method;
  readonly patchedWrite: Method;
  readonly patchedEnd: Method;

  /**
   * @param shared - the shared patches the response inherits and is registered with, or `undefined`
   *   when this capture patches the response's own properties.
   * @param writeHead - (and `write`, `end`) the methods of the layers below.
   */
  constructor(
    readonly res: ServerResponse,
    readonly fill: Fill,
    readonly shared: SharedPatches | undefined,
    readonly writeHead: Method,
    readonly write: Method,
    readonly end: Method,
  ) {
    this.maxEntryBytes = fill.maxEntryBytes;
    if (shared !== undefined) {
      this.patchedWriteHead = shared.writeHead;
      this.patchedWrite = shared.write;
      this.patchedEnd = shared.end;
    } else {
      this.patchedWriteHead = (...args) => this.onWriteHead(args);
      this.patchedWrite = (...args) => this.onWrite(args);
      this.patchedEnd = (...args) => this.onEnd(args);
    }
  }

  /** Settle the fill as `abandon`, once; the response passes through from now on. */
  abandon(reason: unknown): void {
    this.state = 'pass';
    this.chunks = undefined;
    if (this.settled) return;
    this.settled = true;
    try {
      this.fill.abandon(reason);
    } catch {
      // The engine absorbs its own failures; a throw here must still never break the response.
    }
  }

  /**
   * Once headers are out: a Set-Cookie some layer added while writing them means the response is one
   * visitor's, whatever the engine decided on the headers it saw.
   */
  checkWritten(): void {
    const res = this.res;
    if (this.state === 'store' && res.headersSent && res.getHeader('set-cookie') !== undefined) {
      this.abandon(new Error('Set-Cookie was added as the headers were written'));
    }
  }

  /** Headers are about to go out: let the engine see them and add its own, or substitute. */
  begin(): void {
    const res = this.res;
    let decision: ReturnType<Fill['start']>;
    const current = res.getHeaders() as HeaderMap;
    try {
      decision = this.fill.start(res.statusCode, current);
    } catch (error) {
      this.abandon(error);
      return;
    }
    if ('substitute' in decision) {
      this.state = 'swallow';
      this.substitute = decision.substitute;
      this.settled = true;
      return;
    }
    applyHeaders(res, decision.headers, current);
    this.state = decision.store ? 'store' : 'pass';
    if (!decision.store) this.settled = true;
  }

  collect(chunk: unknown, encoding: unknown): void {
    const buffer = toBuffer(chunk, encoding);
    if (buffer === undefined || buffer.length === 0) return;
    this.size += buffer.length;
    // 'too-large' tells the engine to remember the key as pass, so it is not buffered again
    if (this.size > this.maxEntryBytes) this.abandon('too-large');
    else (this.chunks ??= []).push(buffer);
  }

  /** Call `method` of the layers below with `args`. */
  below(method: Method, args: unknown[]): unknown {
    const outer = this.inner;
    this.inner = true;
    try {
      return method.apply(this.res, args);
    } finally {
      this.inner = outer;
    }
  }

  onWriteHead(args: unknown[]): unknown {
    const state = this.state;
    if (this.inner || state === 'pass' || state === 'store') return this.below(this.writeHead, args);
    const res = this.res;
    if (state === 'swallow') return res;
    const [status, reason, headers] = args;
    if (typeof status === 'number') res.statusCode = status;
    if (typeof reason === 'string') res.statusMessage = reason;
    // Headers given to writeHead are invisible to getHeaders(); move them onto res first.
    setHeaders(res, typeof reason === 'string' ? headers : reason);
    this.begin();
    if (this.state === 'swallow') return res;
    const result = this.below(this.writeHead, [res.statusCode]);
    this.checkWritten();
    return result;
  }

  onWrite(args: unknown[]): unknown {
    if (this.inner) return this.below(this.write, args);
    if (this.state === 'idle') this.begin();
    if (this.state === 'swallow') {
      later(typeof args[1] === 'function' ? args[1] : args[2]);
      return true;
    }
    const result = this.below(this.write, args);
    this.checkWritten();
    if (this.state === 'store') this.collect(args[0], args[1]);
    return result;
  }

  onEnd(args: unknown[]): unknown {
    if (this.inner) return this.below(this.end, args);
    const res = this.res;
    let [chunk, encoding, callback] = args;
    if (typeof chunk === 'function') [chunk, encoding, callback] = [undefined, undefined, chunk];
    else if (typeof encoding === 'function') [encoding, callback] = [undefined, encoding];
    // a layer wrapping writeHead may still add headers: decide through the `start` path, which
    // checks what was written before storing
    const wrapped =
      (res as unknown as Patchable).writeHead !== this.patchedWriteHead ||
      this.writeHead !== NATIVE_WRITE_HEAD;
    if (this.state === 'idle' && !res.headersSent && !wrapped) {
      // The whole response in one call: the engine may answer with something else (304, substitute).
      this.state = 'pass';
      let response: ResponseLike;
      let current: HeaderMap;
      try {
        const body = toBuffer(chunk, encoding);
        // A chunk Node would reject goes below untouched, for Node to report.
        if (body === undefined && chunk != null) throw new TypeError('not a string or bytes');
        current = res.getHeaders() as HeaderMap;
        response = this.fill.commit({ status: res.statusCode, headers: current, body: body ?? EMPTY });
      } catch (error) {
        this.abandon(error);
        return this.below(this.end, args);
      }
      this.settled = true;
      return this.send(response, callback, current);
    }
    if (this.state === 'idle') this.begin();
    if (this.state === 'swallow') {
      this.state = 'pass';
      if (this.substitute !== undefined) this.send(this.substitute, callback);
      else later(callback);
      return res;
    }
    if (this.state === 'store') this.collect(chunk, encoding);
    let result: unknown;
    try {
      result = this.below(this.end, args);
    } catch (error) {
      this.abandon(error);
      throw error;
    }
    this.checkWritten();
    if (this.state === 'store') {
      this.state = 'pass';
      const chunks = this.chunks ?? [];
      this.chunks = undefined;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.size);
      if (!this.settled) {
        this.settled = true;
        try {
          this.fill.finish(body);
        } catch {
          // as in abandon
        }
      }
    }
    return result;
  }

  /**
   * Send an engine-decided response through the layers below.
   * @param current - what `res.getHeaders()` returned, when nothing has set a header since.
   */
  send(response: ResponseLike, callback: unknown, current?: HeaderMap): unknown {
    const res = this.res;
    if (response.status !== res.statusCode) {
      res.statusCode = response.status;
      res.statusMessage = STATUS_CODES[response.status] ?? 'unknown';
    }
    applyHeaders(res, response.headers, current);
    const body = toBuffer(response.body, undefined) ?? EMPTY;
    return this.below(this.end, typeof callback === 'function' ? [body, callback] : [body]);
  }

  /** The response finished or its connection closed: settle the fill if still open, restore `res`. */
  closed(): void {
    if (!this.settled) this.abandon(new Error('response closed before it finished'));
    this.state = 'pass';
    if (this.restored) return;
    this.restored = true;
    if (this.shared !== undefined) {
      // the shared patches pass every later call through; a layer that wrapped them since stays
      if (captures.get(this.res) === this) captures.delete(this.res);
      return;
    }
    const target = this.res as unknown as Patchable;
    // the method it had, own or inherited, as an own field: deleting a field of a response whose
    // prototype Express replaced turns it into a slow dictionary object (V8), which then slowed
    // Node's own work on every response that missed; a patch another layer wrapped since stays
    if (target.writeHead === this.patchedWriteHead) target.writeHead = this.writeHead;
    if (target.write === this.patchedWrite) target.write = this.write;
    if (target.end === this.patchedEnd) target.end = this.end;
  }
}

/**
 * Make the headers of `res` exactly `headers`. Given `current`, the headers `res` has now (from
 * `res.getHeaders()`), only the fields that differ are touched, and `res` is not read again: each
 * read of a response Express gave a prototype of its own is a slow property lookup. `headers` may be
 * `current` itself, changed in place by a fill: that is compared field by field on `res`.
 */
function applyHeaders(res: ServerResponse, headers: HeaderMap, current?: HeaderMap): void {
  if (current === undefined || current === headers) {
    for (const name of res.getHeaderNames()) {
      if (headers[name] === undefined) res.removeHeader(name);
    }
    for (const name in headers) {
      const value = headers[name];
      if (value !== undefined && res.getHeader(name) !== value) res.setHeader(name, value);
    }
    return;
  }
  for (const name in current) {
    if (headers[name] === undefined) res.removeHeader(name);
  }
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && current[name] !== value) res.setHeader(name, value);
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
