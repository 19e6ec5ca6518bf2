import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Fill } from '@larder/core';
import { describe, expect, it } from 'vitest';
import { captureStream } from '../src/capture-stream.js';
import { settle } from './helpers.js';

function recordingFill(maxEntryBytes = 100) {
  const events: { finished: Buffer[]; abandoned: unknown[] } = { finished: [], abandoned: [] };
  const fill = {
    key: 'k',
    maxEntryBytes,
    start: () => ({ store: true, headers: {} }),
    finish: (body: Uint8Array) => void events.finished.push(Buffer.from(body)),
    commit: () => ({ status: 200, headers: {}, body: new Uint8Array() }),
    abandon: (reason?: unknown) => void events.abandoned.push(reason),
  } satisfies Fill;
  return { fill, events };
}

async function drain(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  await pipeline(
    stream,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    }),
  );
  return Buffer.concat(chunks).toString();
}

describe('captureStream', () => {
  it('passes every chunk through and finishes the fill with the whole body', async () => {
    const { fill, events } = recordingFill(10);
    const out = captureStream(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), fill);
    expect(await drain(out)).toBe('abcd');
    await settle();
    expect(events.finished.map(String)).toEqual(['abcd']);
    expect(events.abandoned).toEqual([]);
  });

  it('accepts string chunks (object-mode sources)', async () => {
    const { fill, events } = recordingFill(10);
    expect(await drain(captureStream(Readable.from(['x', 'y']), fill))).toBe('xy');
    await settle();
    expect(events.finished.map(String)).toEqual(['xy']);
  });

  it('keeps streaming past maxBytes but abandons the fill instead of storing', async () => {
    const { fill, events } = recordingFill(6);
    const out = captureStream(Readable.from([Buffer.from('1234'), Buffer.from('5678')]), fill);
    expect(await drain(out)).toBe('12345678');
    await settle();
    expect(events.finished).toEqual([]);
    expect(events.abandoned).toHaveLength(1);
    expect(events.abandoned[0]).toBe('too-large');
  });

  it('a body of exactly maxBytes is stored', async () => {
    const { fill, events } = recordingFill(6);
    expect(await drain(captureStream(Readable.from([Buffer.from('123456')]), fill))).toBe('123456');
    await settle();
    expect(events.finished.map(String)).toEqual(['123456']);
  });

  it('abandons once when the source fails, and passes the error on', async () => {
    const { fill, events } = recordingFill(100);
    const source = new PassThrough();
    const out = captureStream(source, fill);
    source.write('partial');
    source.destroy(new Error('origin broke'));
    await expect(drain(out)).rejects.toThrow('origin broke');
    await settle();
    expect(events.finished).toEqual([]);
    expect(events.abandoned).toHaveLength(1);
  });

  it('abandons when the client goes away (the returned stream is destroyed)', async () => {
    const { fill, events } = recordingFill(100);
    const source = new PassThrough();
    const out = captureStream(source, fill);
    source.write('partial');
    out.destroy();
    await settle();
    expect(events.abandoned).toHaveLength(1);
    expect(source.destroyed).toBe(true);
  });
});
