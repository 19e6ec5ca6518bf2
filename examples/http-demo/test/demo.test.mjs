// Smoke test of `npm run demo -- --once`: the demo runs end to end over real HTTP, the burst costs
// each framework exactly one origin call, and the process exits by itself.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const demo = fileURLToPath(new URL('../demo.mjs', import.meta.url));

/** @returns {Promise<{ code: number | null, stdout: string, stderr: string }>} */
function runDemo() {
  return new Promise((resolve) => {
    execFile(process.execPath, [demo, '--once'], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : (error.code ?? null), stdout, stderr });
    });
  });
}

test('the demo reports one origin call per framework and exits by itself', async () => {
  const { code, stdout, stderr } = await runDemo();
  expect(stderr).toBe('');
  expect(code).toBe(0);

  const sections = stdout.split(/\n(?=(?:Fastify|Express) {2}http:)/).slice(1);
  expect(sections.map((s) => s.split(' ')[0])).toEqual(['Fastify', 'Express']);
  for (const section of sections) {
    expect(section).toMatch(/origin calls {5}1\n/);
    expect(section).toMatch(/Cache-Status {5}1 fwd=miss \(stored\), 99 hit,/);
    expect(section).toMatch(/removed 1 entry; next GET: larder; fwd=miss; stored, .*origin calls now 2/);
    expect(section).toMatch(/-> 304, 0 body bytes, larder; hit/);
  }
}, 40_000);
