import type { MalformedSample, TraceKey } from '../trace.js';

/** What a format reader returns: the keys in order and the input it had to skip. */
export interface ParsedKeys {
  /** One key per request, in order. */
  keys: TraceKey[];
  /** How many malformed lines (or trailing partial records) were skipped. */
  malformed: number;
  /** The first few malformed lines, for the error report. */
  malformedSamples: MalformedSample[];
}

/** How many malformed lines a reader keeps as samples. */
export const MAX_MALFORMED_SAMPLES = 5;

/** Counts a malformed line on `parsed`, keeping it as a sample while there is room. */
export function recordMalformed(parsed: ParsedKeys, line: number, text: string): void {
  parsed.malformed++;
  if (parsed.malformedSamples.length < MAX_MALFORMED_SAMPLES) {
    parsed.malformedSamples.push({ line, text: text.length > 200 ? `${text.slice(0, 200)}…` : text });
  }
}

/** An empty {@link ParsedKeys} to fill. */
export function emptyParsedKeys(): ParsedKeys {
  return { keys: [], malformed: 0, malformedSamples: [] };
}
