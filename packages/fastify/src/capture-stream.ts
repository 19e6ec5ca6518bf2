import { pipeline, type Readable, Transform } from 'node:stream';
import type { Fill } from '@larder/core';

/**
 * Tee a streamed origin body to the client while buffering it for the cache.
 *
 * Returns the stream to send instead of `source`. Every chunk flows through to the client as it
 * arrives; a copy is kept while the total stays within the fill's `maxEntryBytes`. When `source` ends, the copy
 * goes to `fill.finish`. When the body grows past that, or `source` fails, or the client goes
 * away, the copy is dropped and `fill.abandon` releases the fill (with `'too-large'` for an oversized
 * body, so the engine stops trying to store it); the client keeps getting the body
 * (or the error) exactly as it would without the cache. The fill is settled exactly once.
 */
export function captureStream(source: Readable, fill: Fill): Transform {
  const maxBytes = fill.maxEntryBytes;
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
        if (size > maxBytes) settle('too-large');
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
