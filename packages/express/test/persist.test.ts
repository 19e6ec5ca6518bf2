import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type LarderMiddleware, larder } from '../src/index.js';
import { frameworks } from './helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

for (const [name, express] of frameworks) {
  describe(`persist option (${name})`, () => {
    function start(dir: string): { server: Server; cache: LarderMiddleware; calls: { n: number } } {
      const cache = larder({ persist: { dir, appendFsync: 'always' } });
      const app = express();
      const calls = { n: 0 };
      app.get('/item', cache.route({ ttl: '10m' }), (_req, res) => {
        calls.n++;
        res.set('x-origin', 'yes').json({ call: calls.n });
      });
      return { server: app.listen(0), cache, calls };
    }
    async function stop(s: { server: Server; cache: LarderMiddleware }): Promise<void> {
      await new Promise((resolve) => s.server.close(resolve));
      await s.cache.close();
    }

    it('serves a stored response after a graceful restart on the same dir, without calling the handler', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'larder-express-persist-'));
      dirs.push(dir);
      const first = start(dir);
      // one Host for both runs: the port is part of the key, and the restart listens on another
      const miss = await request(first.server).get('/item').set('Host', 'shop.example');
      expect(miss.body).toEqual({ call: 1 });
      await stop(first);
      expect(readdirSync(dir).sort()).toEqual(['cache.aof', 'cache.snapshot']);

      const second = start(dir);
      const hit = await request(second.server).get('/item').set('Host', 'shop.example');
      expect(hit.body).toEqual({ call: 1 });
      expect(hit.headers['x-origin']).toBe('yes');
      expect(hit.headers['cache-status']).toMatch(/larder; hit/);
      expect(second.calls.n).toBe(0);
      await stop(second);
    });
  });
}
