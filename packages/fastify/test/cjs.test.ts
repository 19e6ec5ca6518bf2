import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('CommonJS consumers', () => {
  it("can require('@larder/fastify') and register it (needs the build: npm run build)", () => {
    const fixture = fileURLToPath(new URL('./fixtures/require-fastify.cjs', import.meta.url));
    const out = execFileSync(process.execPath, [fixture], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ same: true, body: 'hello 1', status: expect.stringMatching(/hit/) });
  });
});
