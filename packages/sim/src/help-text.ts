import { POLICY_NAMES } from './policy-name.js';

/** The `--help` text of `larder-sim`. */
export const HELP_TEXT = `larder-sim: replay a cache access trace through every @larder/core eviction policy
and compare hit ratios with Belady's optimum.

Usage:
  larder-sim <trace-file> [options]      replay one trace
  larder-sim grid --traces-dir DIR [options]
                                         replay the evaluation grid (issue 3) for the README

Replay options:
  --sizes LIST        cache sizes in entries, comma-separated: --sizes 500,1000,1500
                      (default: 1/16, 1/8, 1/4 and 1/2 of the trace's distinct keys)
  --policies LIST     policies to replay, comma-separated, or 'all' (default: all)
                      known: ${POLICY_NAMES.join(', ')}
                      With the default, policies @larder/core does not provide yet are skipped
                      with a note; named explicitly, a missing one is an error.
  --format FORMAT     lirs | i32 | i64 | lines | clf | auto (default: auto, see below)
  --no-opt            leave out Belady's OPT (the offline optimum with bypass)
  --svg FILE          also write a chart (hit ratio by cache size, one line per policy) as SVG
  --json              print the results as JSON instead of the table
  --title TEXT        the name shown on the table and chart (default: from the file name)

Grid options (larder-sim grid):
  --traces-dir DIR    folder holding lirs/, cache2k/ and corda/ (as /work/shared/traces)
  --out FILE          write the markdown there instead of stdout; if FILE already contains the
                      lines <!-- grid:start --> and <!-- grid:end -->, only the text between them
                      is replaced (so the README can hold the grid); any other existing
                      file is only overwritten if larder-sim wrote it
  --svg-dir DIR       write one chart per trace there (DIR/<trace>.svg), linked from the markdown
  --traces LIST       only these traces of the grid, comma-separated (e.g. gli,web07)
  --policies LIST     as above
  --json              print the results as JSON on stdout

Common options:
  --progress          show a progress bar on stderr even when stderr is not a terminal
  --no-progress       never show it (default: shown when stderr is a terminal)
  -h, --help          this text
  -V, --version       the version

Formats:
  lirs    text, one decimal key per line; blank lines and lines that are exactly '*' skipped
  i32     binary, big-endian signed 32-bit keys, no header (cache2k traces)
  i64     binary, big-endian signed 64-bit keys, no header (corda); keys beyond 2^53 become strings
  lines   text, one key per line, verbatim; canonical integers become number keys
  clf     HTTP access log, Common or Combined Log Format; key = method + target ("GET /a?b=1");
          malformed lines are counted, skipped and reported at the end
  Input may be gzip (decompressed in process) or xz (needs the 'xz' command); this is told from
  the file's first bytes, not its name.

Format auto-detection (first rule that matches; names without a .gz/.xz suffix):
  1. file name ends in .lirs, .i32, .i64, .clf or .log (.log is clf)
  2. a folder in the path is named lirs (lirs), cache2k (i32) or corda (i64)
  3. file name contains 'access' -> clf
  4. text content: clf if 80% of the first 50 lines parse as CLF; lirs if all are integers or '*';
     otherwise lines
  5. binary content: i64 if every other 32-bit word is 0 or -1; i32 if most 32-bit words are
     small; otherwise i64. Use --format when the guess is wrong.

Output: a table of hit ratios in percent (rows: policies and OPT; columns: sizes) with the best
policy at each size marked '*'. Each access does: if (cache.get(key) !== undefined) hit++; else
cache.set(key, 1), on a fresh Cache({ max: size, policy }) from @larder/core.

Exit codes: 0 success, 2 bad usage or input (missing file, bad size list, unknown policy, ...),
1 an unexpected failure.

Examples:
  larder-sim /work/shared/traces/lirs/gli.trace.gz --sizes 500,1000,1500 --svg gli.svg
  larder-sim access.log.gz --policies lru,w-tinylfu --sizes 1000,10000 --json
  larder-sim grid --traces-dir /work/shared/traces --out packages/sim/README.md --svg-dir packages/sim/charts
`;
