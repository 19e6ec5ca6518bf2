/**
 * The public HTTP caching suite (`http-cache-tests`, the suite behind cache-tests.fyi) run against each
 * adapter as a caching reverse proxy: the suite's origin in a child process, each adapter forwarding
 * to it, and the suite's own client (one child process per adapter, all three at once) asking through
 * the proxy. Fails when an adapter's score drops below the floor recorded in `floor.json`, or when the
 * adapters disagree on a test that does not depend on timing. `CONFORMANCE_TABLE=1` prints the README's table;
 * `CONFORMANCE_OUT=file.json` writes every adapter's raw results there.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Origin, startOrigin } from './origin.js';
import { proxies, type RunningProxy } from './proxies.js';
import { publishedResults, type Results, type Score, score, suiteTests, suiteVersion } from './suite.js';

const run = promisify(execFile);
const CLIENT = fileURLToPath(new URL('./client.mjs', import.meta.url));

/** The recorded floor: per adapter, the passes (required and optimal) and the required passes. */
const FLOOR = JSON.parse(readFileSync(new URL('./floor.json', import.meta.url), 'utf8')) as {
  suite: string;
  adapters: Record<string, { passed: number; required: number }>;
};

/** Run the suite's client against `base` in a child process; its raw results. */
async function runClient(base: string): Promise<Results> {
  const { stdout } = await run(process.execPath, [CLIENT, base], {
    maxBuffer: 16 * 1024 * 1024,
    timeout: 240_000,
  }).catch((error: Error & { code?: unknown; signal?: unknown; stderr?: string }) => {
    throw new Error(
      `the suite's client failed (code ${error.code}, signal ${error.signal}): ${error.stderr}`,
    );
  });
  return JSON.parse(stdout) as Results;
}

describe(`http-cache-tests ${suiteVersion()} through each adapter as a reverse proxy`, () => {
  let origin: Origin;
  const started: RunningProxy[] = [];
  const results = new Map<string, Results>();

  beforeAll(async () => {
    origin = await startOrigin();
    for (const proxy of proxies) started.push(await proxy.start(origin.url));
    const runs = await Promise.all(started.map((proxy) => runClient(proxy.url)));
    for (const [i, proxy] of proxies.entries()) results.set(proxy.name, runs[i]!);
    const out = process.env.CONFORMANCE_OUT;
    if (out !== undefined) writeFileSync(out, JSON.stringify(Object.fromEntries(results), null, 2));
  }, 300_000);

  afterAll(async () => {
    for (const proxy of started) await proxy.close();
    await origin?.close();
  });

  it('is the suite version the floor was recorded with', () => {
    expect(suiteVersion()).toBe(FLOOR.suite);
  });

  it('scores at least the recorded floor on every adapter', async () => {
    const tests = await suiteTests();
    const scores: Record<string, Score> = {};
    for (const [name, result] of results) scores[name] = score(tests, result);
    if (process.env.CONFORMANCE_TABLE === '1') console.log(await table(scores));
    for (const proxy of proxies) {
      const floor = FLOOR.adapters[proxy.name];
      const got = scores[proxy.name]!;
      expect(floor, `a floor for ${proxy.name}`).toBeDefined();
      expect({ adapter: proxy.name, passed: got.passed, required: got.required }).toEqual({
        adapter: proxy.name,
        passed: Math.max(got.passed, floor!.passed),
        required: Math.max(got.required, floor!.required),
      });
    }
  });

  it('gives every test that does not wait on the clock the same outcome on every adapter', async () => {
    // a test that pauses for freshness to run out can fall either side of a window on a loaded machine
    const untimed = (await suiteTests()).filter((test) => !test.requests.some((r) => r.pause_after === true));
    const outcome = (r: Results) => Object.fromEntries(untimed.map((test) => [test.id, r[test.id] === true]));
    const [first, ...rest] = proxies.map((proxy) => outcome(results.get(proxy.name)!));
    for (const other of rest) expect(other).toEqual(first);
  });
});

/** The README table: ours per adapter beside the published results the package ships. */
async function table(ours: Record<string, Score>): Promise<string> {
  const tests = await suiteTests();
  const rows = [
    ...Object.entries(ours).map(([name, s]) => ({ name: `**Larder** (${name})`, s })),
    ...(await publishedResults()).map(({ name, version, results }) => ({
      name: `${name} ${version}`,
      s: score(tests, results),
    })),
  ].sort((a, b) => b.s.passed - a.s.passed);
  const lines = [
    '| cache | required + optimal passed | required passed |',
    '| --- | ---: | ---: |',
    ...rows.map(({ name, s }) => `| ${name} | ${s.passed} / ${s.of} | ${s.required} / ${s.requiredOf} |`),
  ];
  return lines.join('\n');
}
