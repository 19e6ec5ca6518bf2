/** Views `chunk` as a Buffer without copying (streams from node:fs and node:zlib already give Buffers). */
export function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
