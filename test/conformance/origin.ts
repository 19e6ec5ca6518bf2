import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineDir } from './suite.js';

/** The suite's origin server, as a child process on a loopback port. */
export interface Origin {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Start the suite's own origin (`server/server.mjs` of `http-cache-tests`, configured as
 * `npm run server --port=N` would) and resolve once it listens. The port is read back from its
 * "Listening on" line, so it asks for port 0 and takes whatever the system gives.
 */
export async function startOrigin(): Promise<Origin> {
  const dir = mkdtempSync(join(tmpdir(), 'larder-conformance-'));
  const child: ChildProcess = spawn(process.execPath, [join(engineDir(), 'server/server.mjs')], {
    cwd: dir,
    env: {
      ...process.env,
      npm_config_protocol: 'http',
      npm_config_port: '0',
      npm_config_pidfile: join(dir, 'server.pid'),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const match = /Listening on http:\/\/\S+:(\d+)\//.exec(seen);
      if (match?.[1] !== undefined) {
        child.stdout?.off('data', onData);
        // the server logs a warning line per odd request; keep the pipe drained
        child.stdout?.resume();
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the suite's origin exited early (${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
