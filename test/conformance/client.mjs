/**
 * Runs the suite's own client against one base URL and prints the raw results as JSON on stdout,
 * as its `cli.mjs` does: the npm release's `client/runner.mjs` with node-fetch and the Surrogate-Control
 * tests, or, in a checkout of the suite's repository (`HTTP_CACHE_TESTS_DIR`, the newer
 * `test-engine/` layout), its runner with Node's fetch. A process of its own per run: the client
 * keeps its results in module state. Usage: `node client.mjs <base-url>`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const base = process.argv[2];
if (base === undefined) throw new Error('usage: node client.mjs <base-url>');
const root =
  process.env.HTTP_CACHE_TESTS_DIR ??
  dirname(createRequire(import.meta.url).resolve('http-cache-tests/package.json'));
const load = (path) => import(pathToFileURL(join(root, path)).href);
const { default: suites } = await load('tests/index.mjs');

let getResults = () => ({});
let finished = false;
// a test whose promise never settles leaves nothing to wait on, and Node exits (code 13): name them
process.on('exit', () => {
  if (finished) return;
  const done = new Set(Object.keys(getResults()));
  for (const suite of suites) {
    for (const test of suite.tests) {
      if (!done.has(test.id) && test.browser_only !== true) process.stderr.write(`unfinished: ${test.id}\n`);
    }
  }
});
if (existsSync(join(root, 'test-engine'))) {
  const runner = await load('test-engine/client/runner.mjs');
  getResults = runner.getResults;
  await runner.runTests(suites, false, base);
} else {
  const fetchUrl = pathToFileURL(createRequire(join(root, 'cli.mjs')).resolve('node-fetch')).href;
  const { default: fetch } = await import(fetchUrl);
  const { default: surrogate } = await load('tests/surrogate-control.mjs');
  const runner = await load('client/runner.mjs');
  getResults = runner.getResults;
  await runner.runTests([...suites, surrogate], fetch, false, base);
}
finished = true;
process.stdout.write(JSON.stringify(getResults()));
