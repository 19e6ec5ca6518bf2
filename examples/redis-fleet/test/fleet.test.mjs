// Smoke test of `npm start -- --once`: the fleet starts with its own Redis, every burst is answered
// 200, the stampede costs the whole fleet one origin call (again after an invalidation and after
// Redis came back), one per process while Redis is down, and everything exits by itself.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const fleet = fileURLToPath(new URL('../fleet.mjs', import.meta.url));

function run() {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.REDIS_URL;
    execFile(
      process.execPath,
      [fleet, '--once', '--requests', '50'],
      { timeout: 90_000, env },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : (error.code ?? null), stdout, stderr });
      },
    );
  });
}

test('the fleet shares one origin call per cold key, and survives Redis going away', async () => {
  const { code, stdout, stderr } = await run();
  expect(code, stderr).toBe(0);
  const bursts = stdout.split('\n').filter((line) => line.includes('requests (4 processes × 50 at once)'));
  expect(bursts).toHaveLength(5);
  for (const burst of bursts) expect(burst).toMatch(/200 requests .*, 200 answered 200,/);
  const calls = [...stdout.matchAll(/origin calls: (\d+)/g)].map((m) => Number(m[1]));
  // stampede, warm, after the invalidation, Redis down (each process alone), Redis back
  expect(calls).toEqual([1, 0, 1, 4, 1]);
  expect(stdout).toMatch(/the breakers closed \(closed, closed, closed, closed\)/);
}, 100_000);
