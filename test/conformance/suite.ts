/**
 * The `http-cache-tests` package as data: where it is installed, its version, its test definitions,
 * the published results it ships, and the score a result file earns.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** One test of the suite, the fields the score reads. */
export interface SuiteTest {
  readonly id: string;
  /** `required` when absent. */
  readonly kind?: 'required' | 'optimal' | 'check';
  readonly depends_on?: readonly string[];
  readonly browser_only?: boolean;
  /** The requests of the test; `pause_after` waits (3 s) after one, for freshness to run out. */
  readonly requests: readonly { readonly pause_after?: boolean }[];
}

/** A result file: per test id, `true` for a pass, else `[kind, message]`. */
export type Results = Readonly<Record<string, true | readonly [string, string]>>;

/** What a result file scores. */
export interface Score {
  /** Required and optimal tests passed (the headline figure). */
  readonly passed: number;
  /** Required tests passed. */
  readonly required: number;
  /** Required and optimal tests run. */
  readonly of: number;
  /** Required tests run. */
  readonly requiredOf: number;
  /** Ids of the required tests failed (a dependency's failure counts as a failure). */
  readonly requiredFailures: readonly string[];
}

/**
 * The directory of the suite: `HTTP_CACHE_TESTS_DIR` when set (a checkout of the suite's repository,
 * to measure against a newer snapshot than the npm release), else where `http-cache-tests` is installed.
 */
export function suiteRoot(): string {
  const dir = process.env.HTTP_CACHE_TESTS_DIR;
  if (dir !== undefined) return dir;
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('http-cache-tests/package.json'));
}

/** The folder of the suite's client and origin: `test-engine/` in the repository's newer layout. */
export function engineDir(): string {
  const engine = join(suiteRoot(), 'test-engine');
  return existsSync(engine) ? engine : suiteRoot();
}

/** The installed version of the suite. */
export function suiteVersion(): string {
  return (JSON.parse(readFileSync(join(suiteRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** Every test the suite's command-line client runs against a proxy (its `cli.mjs` set, no browser-only test). */
export async function suiteTests(): Promise<SuiteTest[]> {
  const load = async (path: string) =>
    ((await import(pathToFileURL(join(suiteRoot(), path)).href)) as { default: unknown }).default;
  // a copy: the module's own array is shared by every caller
  const suites = [...((await load('tests/index.mjs')) as object[])];
  // the npm release's cli.mjs adds the Surrogate-Control tests; the newer layout has none
  if (existsSync(join(suiteRoot(), 'tests/surrogate-control.mjs'))) {
    suites.push((await load('tests/surrogate-control.mjs')) as object);
  }
  return (suites as { tests: SuiteTest[] }[])
    .flatMap((suite) => suite.tests)
    .filter((test) => test.browser_only !== true);
}

/** The reverse proxies and CDNs whose results the package ships, with their names and versions. */
export async function publishedResults(): Promise<{ name: string; version: string; results: Results }[]> {
  const index = (await import(pathToFileURL(join(suiteRoot(), 'results/index.mjs')).href)) as {
    default: { file: string; name: string; type: string; version: string }[];
  };
  return index.default
    .filter((entry) => entry.type !== 'browser')
    .map((entry) => ({
      name: entry.name,
      version: entry.version,
      results: JSON.parse(readFileSync(join(suiteRoot(), 'results', entry.file), 'utf8')) as Results,
    }));
}

/**
 * Score results as cache-tests.fyi shows them: a test passes when its result is `true` and every test
 * it depends on passes; `check` tests (informational) are not counted.
 */
export function score(tests: readonly SuiteTest[], results: Results): Score {
  const byId = new Map(tests.map((test) => [test.id, test]));
  const passes = (id: string): boolean =>
    results[id] === true && (byId.get(id)?.depends_on ?? []).every((dependency) => passes(dependency));
  let passed = 0;
  let required = 0;
  let of = 0;
  let requiredOf = 0;
  const requiredFailures: string[] = [];
  for (const test of tests) {
    const kind = test.kind ?? 'required';
    if (kind === 'check') continue;
    of++;
    if (kind === 'required') requiredOf++;
    if (passes(test.id)) {
      passed++;
      if (kind === 'required') required++;
    } else if (kind === 'required') requiredFailures.push(test.id);
  }
  return { passed, required, of, requiredOf, requiredFailures };
}
