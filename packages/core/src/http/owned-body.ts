/**
 * The body as stored. A small Buffer is often a view into Node's shared 8 KiB pool (`Buffer.from`
 * of a string, `Buffer.concat`): stored as is, it would keep the whole slab alive for the entry's
 * life, up to 8 KiB for a body of a few bytes, none of it counted by `maxBytes`. Such a view is
 * copied into memory of its own (one small copy on the miss); a body that owns its memory, as every
 * body of 4 KiB or more does, is stored as it is.
 */
export function ownedBody(body: Uint8Array): Uint8Array {
  if (body.byteOffset === 0 && body.byteLength === body.buffer.byteLength) return body;
  const own = Buffer.allocUnsafeSlow(body.byteLength);
  own.set(body);
  return own;
}
