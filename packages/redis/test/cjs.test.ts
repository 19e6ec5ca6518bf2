import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('CommonJS consumers', () => {
  it("can require('@larder/redis') without loading redis or ioredis", () => {
    const fixture = fileURLToPath(new URL('./fixtures/require-redis.cjs', import.meta.url));
    const out = execFileSync(process.execPath, [fixture], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({
      exports: ['RedisStore', 'RedisBus', 'toPort', 'LuaScript', 'KeyLayout'],
      loaded: [],
      configError: 'ERR_LARDER_CONFIG',
    });
  });
});
