/**
 * {@link readWireMessage}: the envelope shared by Larder's pub/sub messages (bus invalidations and
 * fill notices): one JSON object with `"v": 1` and the sender's id in `"from"`.
 */

/** A decoded version 1 message: its fields, `from` checked to be a string. */
export type WireMessage = Record<string, unknown> & { from: string };

/**
 * Parses `payload` as a version 1 message; `undefined` when it is no JSON object, or not version 1,
 * or has no string `from`. Each message kind then checks its own fields.
 */
export function readWireMessage(payload: Buffer | string): WireMessage | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const m = parsed as Record<string, unknown>;
  if (m.v !== 1 || typeof m.from !== 'string') return undefined;
  return m as WireMessage;
}
