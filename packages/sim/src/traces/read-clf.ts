import { forEachLine } from './for-each-line.js';
import { parseClfLine } from './parse-clf-line.js';
import type { ParsedKeys } from './parsed-keys.js';
import { emptyParsedKeys, recordMalformed } from './parsed-keys.js';

/**
 * Reads an HTTP access log in Common or Combined Log Format. Each request line becomes the key
 * `METHOD target` (see {@link parseClfLine}); blank lines are skipped; lines that do not parse are
 * counted as malformed and skipped.
 *
 * @param source - the decompressed bytes of the log.
 */
export async function readClf(source: AsyncIterable<Uint8Array>): Promise<ParsedKeys> {
  const parsed = emptyParsedKeys();
  const keys = parsed.keys;
  await forEachLine(source, (line, lineNo) => {
    if (line.trim() === '') return;
    const key = parseClfLine(line);
    if (key === undefined) recordMalformed(parsed, lineNo, line);
    else keys.push(key);
  });
  return parsed;
}
