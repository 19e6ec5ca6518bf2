/**
 * The on-disk format of `cache.snapshot` and `cache.aof`: a 40-byte versioned header, then records,
 * each framed as `[u32 payload length][u32 CRC32 of the payload][payload]` (little-endian).
 *
 * Header: magic (8 bytes: `LARDSNAP` or `LARDAOF1`), u16 format version, u16 flags, the file's own
 * id (8 bytes), the id it links to (8 bytes: for a snapshot, the log that continues it; for a log,
 * the log it continues, zero for none), the creation time (f64, ms since the epoch), and a CRC32 of
 * those 36 bytes.
 *
 * Payloads: `SET` (op, flags, [expiresAt f64], [size f64], key, value), `DELETE` (op, key), `CLEAR`
 * (op), `END` (op, f64 entry count; closes a snapshot). Keys and values are a tag byte and the bytes
 * of a string, Buffer, number, `v8.serialize` output or a codec's output.
 */
import { deserialize, serialize } from 'node:v8';
import { crc32 } from './crc32.js';

/** The format version this code writes and reads. */
export const FORMAT_VERSION = 1;
/** Bytes in a file header. */
export const HEADER_BYTES = 40;
/** Bytes of framing before each payload. */
export const FRAME_BYTES = 8;
/** Largest payload accepted when reading: a larger length is damage, not an entry. */
export const MAX_PAYLOAD = 512 * 1024 * 1024;

export const SNAPSHOT_MAGIC = 'LARDSNAP';
export const LOG_MAGIC = 'LARDAOF1';

/** Header flag of a snapshot written with nothing to follow it (at startup): no log needs to match it. */
export const FLAG_STANDALONE = 1;

export const OP_SET = 1;
export const OP_DELETE = 2;
export const OP_CLEAR = 3;
export const OP_END = 0xff;

const SET_HAS_EXPIRY = 1;
const SET_HAS_SIZE = 2;

const TAG_STRING = 0;
const TAG_BUFFER = 1;
const TAG_NUMBER = 2;
const TAG_V8 = 3;
const TAG_CODEC = 4;

/**
 * Turns values into bytes and back, for values `v8.serialize` cannot take or to store them more
 * compactly. `decode` receives a view into the file's buffer: copy it if you keep it.
 */
export interface PersistCodec<V> {
  /** The bytes to store for `value`. */
  encode(value: V): Uint8Array;
  /** The value for bytes `encode` produced. */
  decode(bytes: Uint8Array): V;
}

/** A file header, as read back. */
export interface FileHeader {
  magic: string;
  version: number;
  flags: number;
  /** The file's own id (hex). */
  id: string;
  /** The linked id (hex): for a snapshot the log that follows it, for a log the one it continues. */
  link: string;
  createdAt: number;
}

/** The all-zero id: no link. */
export const NO_ID = '0000000000000000';

/** A growable byte buffer records are encoded into, reused between records. */
export class ByteWriter {
  buf: Buffer;
  pos = 0;
  constructor(size = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }
  reset(): void {
    this.pos = 0;
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.pos);
    this.pos += 4;
  }
  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }
  bytes(b: Uint8Array): void {
    this.u32(b.byteLength);
    this.ensure(b.byteLength);
    this.buf.set(b, this.pos);
    this.pos += b.byteLength;
  }
  string(s: string): void {
    // utf-8 is at most 3 bytes per UTF-16 unit
    this.ensure(4 + s.length * 3);
    const n = this.buf.write(s, this.pos + 4, 'utf8');
    this.buf.writeUInt32LE(n, this.pos);
    this.pos += 4 + n;
  }
  /** Start a record: reserve its frame; returns where the frame starts. */
  begin(): number {
    this.ensure(FRAME_BYTES);
    const start = this.pos;
    this.pos += FRAME_BYTES;
    return start;
  }
  /** Finish the record begun at `start`: fill in its length and CRC32. */
  end(start: number): void {
    this.buf.writeUInt32LE(this.pos - start - FRAME_BYTES, start);
    this.buf.writeUInt32LE(crc32(this.buf, start + FRAME_BYTES, this.pos), start + 4);
  }
}

/** Write a key or value (tag + bytes). A codec, when given, encodes every value. */
export function writeValue(w: ByteWriter, value: unknown, codec: PersistCodec<unknown> | undefined): void {
  if (codec !== undefined) {
    w.u8(TAG_CODEC);
    w.bytes(codec.encode(value));
  } else if (typeof value === 'string') {
    w.u8(TAG_STRING);
    w.string(value);
  } else if (Buffer.isBuffer(value)) {
    w.u8(TAG_BUFFER);
    w.bytes(value);
  } else if (typeof value === 'number') {
    w.u8(TAG_NUMBER);
    w.f64(value);
  } else {
    w.u8(TAG_V8);
    w.bytes(serialize(value));
  }
}

/** Encode a SET record: `expiresAt` is ms since the epoch (`Infinity`: none), `size` 0 for none. */
export function writeSet(
  w: ByteWriter,
  key: unknown,
  value: unknown,
  expiresAt: number,
  size: number,
  codec: PersistCodec<unknown> | undefined,
): void {
  const start = w.begin();
  w.u8(OP_SET);
  const flags = (expiresAt !== Number.POSITIVE_INFINITY ? SET_HAS_EXPIRY : 0) | (size > 0 ? SET_HAS_SIZE : 0);
  w.u8(flags);
  if (flags & SET_HAS_EXPIRY) w.f64(expiresAt);
  if (flags & SET_HAS_SIZE) w.f64(size);
  writeValue(w, key, undefined);
  writeValue(w, value, codec);
  w.end(start);
}

export function writeDelete(w: ByteWriter, key: unknown): void {
  const start = w.begin();
  w.u8(OP_DELETE);
  writeValue(w, key, undefined);
  w.end(start);
}

export function writeClear(w: ByteWriter): void {
  const start = w.begin();
  w.u8(OP_CLEAR);
  w.end(start);
}

export function writeEnd(w: ByteWriter, count: number): void {
  const start = w.begin();
  w.u8(OP_END);
  w.f64(count);
  w.end(start);
}

/** A file header's bytes. */
export function encodeHeader(
  magic: string,
  flags: number,
  id: string,
  link: string,
  createdAt: number,
): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  b.write(magic, 0, 8, 'latin1');
  b.writeUInt16LE(FORMAT_VERSION, 8);
  b.writeUInt16LE(flags, 10);
  b.write(id, 12, 8, 'hex');
  b.write(link, 20, 8, 'hex');
  b.writeDoubleLE(createdAt, 28);
  b.writeUInt32LE(crc32(b, 0, 36), 36);
  return b;
}

/** Why a header could not be read. */
export type HeaderProblem = 'short' | 'magic' | 'crc' | { version: number };

/** Read a header, or say what is wrong with it. */
export function decodeHeader(b: Buffer, magic: string): FileHeader | HeaderProblem {
  if (b.length < HEADER_BYTES) return 'short';
  if (b.toString('latin1', 0, 8) !== magic) return 'magic';
  if (crc32(b, 0, 36) !== b.readUInt32LE(36)) return 'crc';
  const version = b.readUInt16LE(8);
  if (version !== FORMAT_VERSION) return { version };
  return {
    magic,
    version,
    flags: b.readUInt16LE(10),
    id: b.toString('hex', 12, 20),
    link: b.toString('hex', 20, 28),
    createdAt: b.readDoubleLE(28),
  };
}

/**
 * One record, decoded: `op` says which fields hold something (`SET`: key, value, expiresAt, size;
 * `DELETE`: key; `END`: count). {@link readRecords} reuses one object for every record of a file.
 */
export interface LogRecord {
  op: number;
  key: unknown;
  value: unknown;
  /** ms since the epoch, `Infinity` for none. */
  expiresAt: number;
  /** 0 for none. */
  size: number;
  count: number;
}

/** Thrown by the decoder for a payload whose CRC held but whose contents do not parse. */
export class BadPayload extends Error {}

class ByteReader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    public limit: number,
  ) {}
  need(n: number): void {
    if (this.pos + n > this.limit) throw new BadPayload('record shorter than its fields');
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  slice(): Buffer {
    const n = this.u32();
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

function readValue(r: ByteReader, codec: PersistCodec<unknown> | undefined): unknown {
  const tag = r.u8();
  switch (tag) {
    case TAG_STRING: {
      const n = r.u32();
      r.need(n);
      const s = r.buf.toString('utf8', r.pos, r.pos + n);
      r.pos += n;
      return s;
    }
    case TAG_BUFFER:
      return Buffer.from(r.slice());
    case TAG_NUMBER:
      return r.f64();
    case TAG_V8:
      return deserialize(r.slice());
    case TAG_CODEC: {
      if (codec === undefined) throw new BadPayload('a value written with a codec, and no codec given');
      return codec.decode(r.slice());
    }
    default:
      throw new BadPayload(`unknown value tag ${tag}`);
  }
}

/** Decode the payload at `[r.pos, r.limit)` (its CRC already checked) into `out`. */
function decodeInto(r: ByteReader, codec: PersistCodec<unknown> | undefined, out: LogRecord): void {
  const op = r.u8();
  out.op = op;
  switch (op) {
    case OP_SET: {
      const flags = r.u8();
      out.expiresAt = flags & SET_HAS_EXPIRY ? r.f64() : Number.POSITIVE_INFINITY;
      out.size = flags & SET_HAS_SIZE ? r.f64() : 0;
      out.key = readValue(r, undefined);
      out.value = readValue(r, codec);
      break;
    }
    case OP_DELETE:
      out.key = readValue(r, undefined);
      break;
    case OP_CLEAR:
      break;
    case OP_END:
      out.count = r.f64();
      break;
    default:
      throw new BadPayload(`unknown record type ${op}`);
  }
  if (r.pos !== r.limit) throw new BadPayload('record longer than its fields');
}

/** Where a scan of records stopped, and why. */
export type ScanEnd =
  /** Every byte belongs to a whole, intact record. `lastOp` is the last record's type (0: none). */
  | { kind: 'eof'; lastOp: number }
  /** The file ends inside a record (or in zeros): a torn tail from `offset` on. */
  | { kind: 'torn'; offset: number }
  /** A whole record at `offset` is damaged. */
  | { kind: 'damaged'; offset: number; reason: string };

function allZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * Check the framing and CRC32 of every record of `buf` from `start`, without decoding them; stops at
 * the end, at a torn tail, or at the first damaged record.
 */
export function checkRecords(buf: Buffer, start: number): ScanEnd {
  let pos = start;
  let lastOp = 0;
  const n = buf.length;
  while (pos < n) {
    if (pos + FRAME_BYTES > n) return { kind: 'torn', offset: pos };
    const len = buf.readUInt32LE(pos);
    const sum = buf.readUInt32LE(pos + 4);
    if (len === 0 && sum === 0 && allZero(buf, pos)) return { kind: 'torn', offset: pos };
    if (len === 0 || len > MAX_PAYLOAD) {
      return { kind: 'damaged', offset: pos, reason: `impossible record length ${len}` };
    }
    const end = pos + FRAME_BYTES + len;
    if (end > n) return { kind: 'torn', offset: pos };
    if (crc32(buf, pos + FRAME_BYTES, end) !== sum) {
      return { kind: 'damaged', offset: pos, reason: 'CRC32 mismatch' };
    }
    lastOp = buf[pos + FRAME_BYTES]!;
    pos = end;
  }
  return { kind: 'eof', lastOp };
}

/**
 * Decode the records of `buf[start, end)`, already checked by {@link checkRecords}, calling `visit`
 * for each. Returns the offset of a record that does not decode (a bug or a codec mismatch), or -1.
 */
export function readRecords(
  buf: Buffer,
  start: number,
  end: number,
  codec: PersistCodec<unknown> | undefined,
  visit: (record: LogRecord) => void,
): { offset: number; reason: string } | undefined {
  // one reader and one record for the whole file: loading allocates only what it keeps
  const r = new ByteReader(buf, start, start);
  const record: LogRecord = { op: 0, key: undefined, value: undefined, expiresAt: 0, size: 0, count: 0 };
  let pos = start;
  while (pos < end) {
    const next = pos + FRAME_BYTES + buf.readUInt32LE(pos);
    r.pos = pos + FRAME_BYTES;
    r.limit = next;
    try {
      decodeInto(r, codec, record);
    } catch (error) {
      return { offset: pos, reason: error instanceof Error ? error.message : String(error) };
    }
    visit(record);
    record.key = undefined;
    record.value = undefined;
    pos = next;
  }
  return undefined;
}
