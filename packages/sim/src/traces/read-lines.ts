import type { TraceKey } from '../trace.js';
import { forEachLine } from './for-each-line.js';
import type { ParsedKeys } from './parsed-keys.js';
import { emptyParsedKeys } from './parsed-keys.js';

/**
 * Reads a plain key-per-line file. Each non-blank line is one key, taken verbatim (only a trailing
 * `\r` is dropped). A line that is a canonical decimal integer within 2^53 (`42`, `-7`, but not
 * `007` or `+1`) becomes a number key, so a numeric trace replays with number keys; every other
 * line is a string key. No line is malformed.
 *
 * @param source - the decompressed bytes of the file.
 */
export async function readLines(source: AsyncIterable<Uint8Array>): Promise<ParsedKeys> {
  const parsed = emptyParsedKeys();
  const keys = parsed.keys;
  await forEachLine(source, (line) => {
    if (line.trim() === '') return;
    keys.push(canonicalNumber(line) ?? line);
  });
  return parsed;
}

function canonicalNumber(line: string): TraceKey | undefined {
  const first = line.charCodeAt(0);
  // Cheap filter before Number(): only '-' or a digit can start a canonical integer.
  if (first !== 45 && (first < 48 || first > 57)) return undefined;
  const n = Number(line);
  return Number.isSafeInteger(n) && String(n) === line ? n : undefined;
}
