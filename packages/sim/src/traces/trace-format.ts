/**
 * The trace formats `larder-sim` reads.
 *
 * - `lirs`: text, one decimal key per line; blank lines and lines that are exactly `*` are skipped.
 * - `i32`: binary, no header, a stream of big-endian signed 32-bit keys.
 * - `i64`: binary, no header, a stream of big-endian signed 64-bit keys.
 * - `lines`: text, one key per line, taken verbatim (blank lines skipped).
 * - `clf`: an HTTP access log in Common or Combined Log Format; the key is `METHOD target`.
 */
export type TraceFormat = 'lirs' | 'i32' | 'i64' | 'lines' | 'clf';

/** Every {@link TraceFormat}, in the order the help text lists them. */
export const TRACE_FORMATS: readonly TraceFormat[] = ['lirs', 'i32', 'i64', 'lines', 'clf'];
