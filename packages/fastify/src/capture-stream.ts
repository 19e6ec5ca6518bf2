import { pipeline, type Readable, Transform } from 'node:stream';
import type { Fill } from '@larder/core';

/**
 * Tee a streamed origin body to the client while buffering it for the cache.
 *
 * Returns the stream to send instead of `source`. Every chunk flows through to the client as it
 * arrives; a copy is kept while the total stays within `maxBytes` bytes. When `source` ends, the copy
 * goes to `fill.finish`. When the body grows past `maxBytes`, or `source` fails, or the client goes
 * away, the copy is dropped and `fill.abandon` releases the fill; the client keeps getting the body
 * (or the error) exactly as it would without the cache. The fill is settled exactly once.
 */
export function captureStream(source: Readable, fill: Fill, maxBytes: number): Transform {
  let chunks: Buffer[] | undefined = [];
  let size = 0;
  const settle = (reason?: unknown): void => {
    if (chunks === undefined) return;
    const body = chunks;
    chunks = undefined;
    if (reason === undefined) fill.finish(Buffer.concat(body, size));
    else fill.abandon(reason);
  };
  const tee = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (chunks !== undefined) {
        size += chunk.byteLength;
        if (size > maxBytes) settle(new RangeError(`streamed body exceeds maxEntryBytes (${maxBytes})`));
        else chunks.push(chunk);
      }
      callback(null, chunk);
    },
  });
  // pipeline forwards a source error to the tee (Fastify then ends the response) and reports an early
  // close of the tee (the client went away) as an error, so every way out settles the fill.
  pipeline(source, tee, (error) => settle(error ?? undefined));
  return tee;
}
