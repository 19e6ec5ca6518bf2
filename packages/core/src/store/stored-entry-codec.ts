/**
 * The compact on-disk form of an HTTP {@link StoredEntry}: status, the six times, the header list,
 * tags, Vary names and the body's bytes as they are (no JSON, no base64).
 */

import { ByteWriter, type PersistCodec } from '../persist/format.js';
import type { StoredEntry } from './types.js';

const scratch = new ByteWriter(16 * 1024);

function writeStrings(w: ByteWriter, list: readonly string[]): void {
  w.u32(list.length);
  for (const s of list) w.string(s);
}

class Reader {
  pos = 0;
  constructor(readonly b: Buffer) {}
  u8(): number {
    if (this.pos + 1 > this.b.length) throw new RangeError('stored entry: truncated');
    return this.b[this.pos++]!;
  }
  u16(): number {
    const v = this.b.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    const v = this.b.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  f64(): number {
    const v = this.b.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  string(): string {
    const n = this.u32();
    if (this.pos + n > this.b.length) throw new RangeError('stored entry: truncated');
    const s = this.b.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  strings(): string[] {
    const n = this.u32();
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.string());
    return out;
  }
}

/**
 * {@link PersistCodec} for HTTP entries ({@link StoredEntry}), used by `MemoryStore.persist` and the
 * adapters' `persist` option. The body is copied out of the file's buffer when read back.
 */
export const storedEntryCodec: PersistCodec<StoredEntry> = {
  encode(entry: StoredEntry): Uint8Array {
    const w = scratch;
    w.reset();
    w.ensure(2);
    w.buf.writeUInt16LE(entry.status, w.pos);
    w.pos += 2;
    w.f64(entry.storedAt);
    w.f64(entry.initialAge);
    w.f64(entry.staleAt);
    w.f64(entry.staleWhileRevalidateUntil);
    w.f64(entry.staleIfErrorUntil);
    w.f64(entry.expiresAt);
    const names = Object.keys(entry.headers);
    w.u32(names.length);
    for (const name of names) {
      const value = entry.headers[name]!;
      w.string(name);
      if (typeof value === 'string') {
        w.u8(0);
        w.string(value);
      } else {
        w.u8(1);
        writeStrings(w, value);
      }
    }
    writeStrings(w, entry.tags);
    if (entry.vary === undefined) {
      w.u8(0);
    } else {
      w.u8(1);
      writeStrings(w, entry.vary);
    }
    w.bytes(entry.body);
    return w.buf.subarray(0, w.pos);
  },
  decode(bytes: Uint8Array): StoredEntry {
    const r = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const status = r.u16();
    const storedAt = r.f64();
    const initialAge = r.f64();
    const staleAt = r.f64();
    const staleWhileRevalidateUntil = r.f64();
    const staleIfErrorUntil = r.f64();
    const expiresAt = r.f64();
    const headers: Record<string, string | string[]> = {};
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      const name = r.string();
      headers[name] = r.u8() === 0 ? r.string() : r.strings();
    }
    const tags = r.strings();
    const vary = r.u8() === 1 ? r.strings() : undefined;
    const length = r.u32();
    if (r.pos + length !== r.b.length) throw new RangeError('stored entry: body length does not match');
    // a copy: a view would keep the whole file's buffer alive
    const body = Buffer.allocUnsafe(length);
    r.b.copy(body, 0, r.pos, r.pos + length);
    const entry: StoredEntry = {
      status,
      headers,
      body,
      storedAt,
      initialAge,
      staleAt,
      staleWhileRevalidateUntil,
      staleIfErrorUntil,
      expiresAt,
      tags,
    };
    if (vary !== undefined) entry.vary = vary;
    return entry;
  },
};
