import { forEachLine } from './for-each-line.js';
import { integerKey } from './integer-key.js';
import type { ParsedKeys } from './parsed-keys.js';
import { emptyParsedKeys, recordMalformed } from './parsed-keys.js';

/**
 * Reads a LIRS trace: text, one decimal key per line. Blank lines and lines that are exactly `*`
 * are skipped; surrounding spaces and a trailing `\r` are trimmed; any other line that is not a
 * decimal integer is counted as malformed and skipped.
 *
 * @param source - the decompressed bytes of the trace.
 */
export async function readLirs(source: AsyncIterable<Uint8Array>): Promise<ParsedKeys> {
  const parsed = emptyParsedKeys();
  const keys = parsed.keys;
  await forEachLine(source, (raw, lineNo) => {
    const line = raw.trim();
    if (line === '' || line === '*') return;
    const key = integerKey(line);
    if (key === undefined) recordMalformed(parsed, lineNo, raw);
    else keys.push(key);
  });
  return parsed;
}
