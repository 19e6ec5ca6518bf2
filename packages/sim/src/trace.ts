import type { TraceFormat } from './traces/trace-format.js';

/**
 * One key of a trace: a number where the trace gives an integer that fits a double exactly
 * (|k| <= 2^53 - 1), a string otherwise (text keys, request lines, 64-bit keys beyond 2^53).
 */
export type TraceKey = number | string;

/** A trace read into memory: the keys in request order plus what the reader saw on the way. */
export interface Trace {
  /** A short display name, such as `gli` for `lirs/gli.trace.gz`. Used as the table and chart title. */
  readonly name: string;
  /** Where the trace was read from (a file path), or `''` when built in memory. */
  readonly source: string;
  /** The format the keys were parsed as. */
  readonly format: TraceFormat;
  /** The keys, one per request, in order. */
  readonly keys: readonly TraceKey[];
  /** How many distinct keys the trace has. */
  readonly uniqueKeys: number;
  /**
   * Input the reader could not parse and skipped: malformed lines for the text formats, a trailing
   * partial record (counted as one) for the binary formats.
   */
  readonly malformed: number;
  /** Up to the first few malformed inputs, each with its 1-based line number (text formats only). */
  readonly malformedSamples: readonly MalformedSample[];
}

/** A skipped input line, kept so the CLI can show the user what went wrong. */
export interface MalformedSample {
  /** 1-based line number in the decompressed input. */
  readonly line: number;
  /** The line as read, cut to 200 characters. */
  readonly text: string;
}
