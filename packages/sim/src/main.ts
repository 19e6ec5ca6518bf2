import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CacheFactory } from './cache-factory.js';
import { coreCacheFactory } from './core-cache-factory.js';
import { defaultSizes } from './default-sizes.js';
import { GRID_TRACES } from './grid-traces.js';
import { HELP_TEXT } from './help-text.js';
import { parsePolicies } from './parse-policies.js';
import { parseSizes } from './parse-sizes.js';
import type { PolicyName } from './policy-name.js';
import { POLICY_NAMES } from './policy-name.js';
import { Progress } from './progress.js';
import { renderGridMarkdown } from './render-grid-markdown.js';
import { renderSvg } from './render-svg.js';
import { renderTable } from './render-table.js';
import { runGrid } from './run-grid.js';
import { SimError } from './sim-error.js';
import { simulate } from './simulate.js';
import type { MalformedSample } from './trace.js';
import { traceCredit } from './trace-credit.js';
import type { FileTrace } from './traces/read-trace.js';
import { readTrace } from './traces/read-trace.js';
import type { TraceFormat } from './traces/trace-format.js';
import { TRACE_FORMATS } from './traces/trace-format.js';

/** Where {@link main} writes, and what it replays through; the defaults are the process and `@larder/core`. */
export interface CliIo {
  /** Receives the table, the JSON or the grid markdown. */
  readonly stdout: { write(text: string): unknown };
  /** Receives errors, notes and the progress bar (drawn only when it is a TTY, or with `--progress`). */
  readonly stderr: NodeJS.WriteStream | { write(text: string): unknown; isTTY?: boolean };
  /** Makes the caches. @default a `Cache` from `@larder/core` */
  readonly createCache?: CacheFactory;
}

const OPTIONS = {
  format: { type: 'string' },
  policies: { type: 'string' },
  sizes: { type: 'string' },
  'no-opt': { type: 'boolean' },
  svg: { type: 'string' },
  json: { type: 'boolean' },
  title: { type: 'string' },
  'traces-dir': { type: 'string' },
  out: { type: 'string' },
  'svg-dir': { type: 'string' },
  traces: { type: 'string' },
  progress: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

const REPLAY_ONLY = ['format', 'sizes', 'no-opt', 'svg', 'title'] as const;
const GRID_ONLY = ['traces-dir', 'out', 'svg-dir', 'traces'] as const;
const GENERATED = '<!-- written by larder-sim grid: rerun it to update this file -->';
const GRID_SECTION = /^(<!-- grid:start -->)[ \t]*$([\s\S]*?)^(<!-- grid:end -->)[ \t]*$/m;

/**
 * The `larder-sim` command: parses `argv` (without the node and script paths), runs, and returns
 * the exit code: 0 on success, 2 for a usage or input error (printed as one line), 1 otherwise.
 */
export async function main(argv: readonly string[], io: CliIo = process): Promise<number> {
  try {
    const { values, positionals } = parseCommandLine(argv);
    if (values.help === true) {
      io.stdout.write(HELP_TEXT);
      return 0;
    }
    if (values.version === true) {
      io.stdout.write(`${version()}\n`);
      return 0;
    }
    if (positionals[0] === 'grid') return await grid(values, positionals.slice(1), io);
    return await replay(values, positionals, io);
  } catch (error) {
    if (error instanceof SimError) {
      io.stderr.write(`larder-sim: ${error.message}\n`);
      return 2;
    }
    io.stderr.write(`larder-sim: unexpected failure: ${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  }
}

function parseCommandLine(argv: readonly string[]): { values: Values; positionals: string[] } {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs messages are multi-line and mention internals; keep the first sentence.
    const message = (error as Error).message.split('\n')[0] ?? '';
    throw new SimError(`${message.replace(/\.? To specify.*$/, '')} (see larder-sim --help)`);
  }
}

async function replay(values: Values, positionals: readonly string[], io: CliIo): Promise<number> {
  rejectOptions(values, GRID_ONLY, 'only for larder-sim grid');
  if (positionals.length === 0) throw new SimError('no trace file given (see larder-sim --help)');
  if (positionals.length > 1) throw new SimError(`one trace file at a time; got ${positionals.join(', ')}`);
  const path = positionals[0] as string;
  const format = parseFormat(values.format);
  const sizes = values.sizes === undefined ? undefined : parseSizes(values.sizes);
  const createCache = io.createCache ?? coreCacheFactory;
  const { policies, skipped } = availablePolicies(values.policies, createCache);
  const progress = new Progress(progressWanted(values, io), io.stderr as NodeJS.WriteStream);

  let trace: FileTrace;
  try {
    progress.phase('reading', 1);
    trace = await readTrace(path, {
      format,
      ...(values.title === undefined ? {} : { name: values.title }),
      onBytes: (read, total) => progress.update(read / Math.max(total, 1)),
    });
  } finally {
    progress.stop();
  }
  if (trace.keys.length === 0) {
    const skippedLines =
      trace.malformed > 0 ? `; ${trace.malformed.toLocaleString('en-US')} malformed skipped` : '';
    throw new SimError(
      `trace '${path}' has no requests (read as ${trace.format}, ${trace.formatReason}${skippedLines}; try --format)`,
    );
  }
  const result = await (async () => {
    try {
      let started = false;
      return await simulate(trace, {
        sizes: sizes ?? defaultSizes(trace.uniqueKeys),
        policies,
        opt: values['no-opt'] !== true,
        createCache,
        onProgress: (done, total) => {
          if (!started) progress.phase('replaying', total);
          started = true;
          progress.update(done);
        },
      });
    } finally {
      progress.stop();
    }
  })();

  if (values.svg !== undefined) {
    const credit = traceCredit(path);
    const svg = await renderSvg(result, credit === undefined ? {} : { credit });
    await writeOutput(values.svg, svg);
  }
  if (values.json === true) {
    io.stdout.write(
      `${JSON.stringify(
        {
          ...result,
          trace: { ...result.trace, formatReason: trace.formatReason },
          skippedPolicies: skipped,
          malformedSamples: trace.malformedSamples,
        },
        null,
        2,
      )}\n`,
    );
  } else {
    io.stdout.write(renderTable(result));
    const credit = traceCredit(path);
    if (credit !== undefined) io.stdout.write(`Trace: ${credit}.\n`);
  }
  if (skipped.length > 0) {
    io.stderr.write(`larder-sim: note: @larder/core does not provide ${skipped.join(', ')} yet; skipped\n`);
  }
  reportMalformed(io, path, trace.format, trace.malformed, trace.malformedSamples);
  return 0;
}

async function grid(values: Values, positionals: readonly string[], io: CliIo): Promise<number> {
  rejectOptions(values, REPLAY_ONLY, 'not for larder-sim grid (the grid fixes traces and sizes)');
  if (positionals.length > 0)
    throw new SimError(`larder-sim grid takes no file arguments; got ${positionals.join(', ')}`);
  const tracesDir = values['traces-dir'];
  if (tracesDir === undefined)
    throw new SimError('larder-sim grid needs --traces-dir DIR (e.g. /work/shared/traces)');
  const createCache = io.createCache ?? coreCacheFactory;
  const { policies, skipped } = availablePolicies(values.policies, createCache);
  let traces = GRID_TRACES;
  if (values.traces !== undefined) {
    const wanted = values.traces
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    for (const name of wanted) {
      if (!GRID_TRACES.some((t) => t.name === name)) {
        throw new SimError(
          `unknown grid trace '${name}'; the grid has ${GRID_TRACES.map((t) => t.name).join(', ')}`,
        );
      }
    }
    traces = GRID_TRACES.filter((t) => wanted.includes(t.name));
  }
  const progress = new Progress(progressWanted(values, io), io.stderr as NodeJS.WriteStream);
  const result = await (async () => {
    try {
      return await runGrid({
        tracesDir,
        policies,
        traces,
        createCache,
        onPhase: (label, total) => progress.phase(label, total),
        onProgress: (done) => progress.update(done),
      });
    } finally {
      progress.stop();
    }
  })();

  const charts = new Map<string, string>();
  const svgDir = values['svg-dir'];
  if (svgDir !== undefined) {
    await mkdir(svgDir, { recursive: true }).catch((error: Error) => {
      throw new SimError(`cannot create '${svgDir}': ${error.message}`);
    });
    for (const { trace, result: traceResult } of result.entries) {
      const file = join(svgDir, `${trace.name}.svg`);
      const credit = traceCredit(join(tracesDir, trace.file));
      await writeOutput(file, await renderSvg(traceResult, credit === undefined ? {} : { credit }));
      const from = values.out === undefined ? process.cwd() : dirname(resolve(values.out));
      charts.set(trace.name, relative(from, resolve(file)).split('\\').join('/'));
    }
  }
  if (values.json === true) {
    io.stdout.write(`${JSON.stringify({ ...result, skippedPolicies: skipped }, null, 2)}\n`);
  }
  const markdown = renderGridMarkdown(result, {
    charts,
    missingPolicies: skipped,
    provenance: `Measured with \`larder-sim grid\` ${version()} on Node ${process.version}.`,
  });
  if (values.out !== undefined) {
    await writeGridMarkdown(values.out, markdown);
  } else if (values.json !== true) {
    io.stdout.write(markdown);
  }
  if (values.json !== true && values.out !== undefined) {
    io.stdout.write(`Mean hit ratio over the grid (${result.entries.length} traces):\n`);
    for (const mean of result.means)
      io.stdout.write(`  ${mean.policy.padEnd(10)} ${(100 * mean.mean).toFixed(2)}%\n`);
    io.stdout.write(
      `Wrote ${values.out}${svgDir === undefined ? '' : ` and ${charts.size} charts in ${svgDir}`}\n`,
    );
  }
  if (skipped.length > 0) {
    io.stderr.write(`larder-sim: note: @larder/core does not provide ${skipped.join(', ')} yet; skipped\n`);
  }
  return 0;
}

function rejectOptions(values: Values, names: readonly (keyof Values)[], why: string): void {
  const given = names.filter((name) => values[name] !== undefined);
  if (given.length > 0) throw new SimError(`${given.map((name) => `--${name}`).join(', ')}: ${why}`);
}

function parseFormat(text: string | undefined): TraceFormat | 'auto' {
  if (text === undefined || text === 'auto') return 'auto';
  if ((TRACE_FORMATS as readonly string[]).includes(text)) return text as TraceFormat;
  throw new SimError(`unknown format '${text}'; use one of ${TRACE_FORMATS.join(', ')}, auto`);
}

function progressWanted(values: Values, io: CliIo): boolean {
  if (values['no-progress'] === true) return false;
  if (values.progress === true) return true;
  return io.stderr.isTTY === true;
}

/**
 * The policies to replay. Named ones must all exist in `@larder/core`; with the default (all), the
 * ones it does not provide yet are skipped and returned so that the caller can say so.
 */
function availablePolicies(
  text: string | undefined,
  createCache: CacheFactory,
): { policies: PolicyName[]; skipped: PolicyName[] } {
  const asked = text === undefined ? [...POLICY_NAMES] : parsePolicies(text);
  const policies: PolicyName[] = [];
  const skipped: PolicyName[] = [];
  for (const policy of asked) {
    try {
      createCache(policy, 1);
      policies.push(policy);
    } catch (error) {
      if (text !== undefined) {
        throw new SimError(
          `policy '${policy}' is not available in @larder/core: ${(error as Error).message}`,
        );
      }
      skipped.push(policy);
    }
  }
  if (policies.length === 0) throw new SimError('@larder/core provides none of the policies; is it built?');
  return { policies, skipped };
}

function reportMalformed(
  io: CliIo,
  path: string,
  format: TraceFormat,
  count: number,
  samples: readonly MalformedSample[],
): void {
  if (count === 0) return;
  const what = format === 'i32' || format === 'i64' ? 'trailing partial record' : 'malformed line';
  const first = samples[0];
  const where = first === undefined ? '' : ` (first at line ${first.line}: ${JSON.stringify(first.text)})`;
  io.stderr.write(
    `larder-sim: skipped ${count.toLocaleString('en-US')} ${what}${count === 1 ? '' : 's'} in ${path}${where}\n`,
  );
}

async function writeOutput(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (error) {
    throw new SimError(`cannot write '${path}': ${(error as Error).message}`);
  }
}

async function writeGridMarkdown(path: string, markdown: string): Promise<void> {
  let existing: string | undefined;
  try {
    existing = await readFile(path, 'utf8');
  } catch {
    existing = undefined;
  }
  // The markers count only on lines of their own, so that prose quoting them is left alone.
  const match = existing === undefined ? null : GRID_SECTION.exec(existing);
  if (existing !== undefined && match !== null) {
    const [, start, , end] = match;
    const replaced = `${start}\n\n${markdown}\n${end}`;
    await writeOutput(
      path,
      existing.slice(0, match.index) + replaced + existing.slice(match.index + match[0].length),
    );
  } else if (existing === undefined || existing.startsWith(GENERATED)) {
    await writeOutput(path, `${GENERATED}\n\n${markdown}`);
  } else {
    throw new SimError(
      `refusing to overwrite '${path}': it has no '<!-- grid:start -->' and '<!-- grid:end -->' lines to write between, and larder-sim did not write it`,
    );
  }
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
