import Fastify, { type FastifyInstance } from 'fastify';
import { type LarderFastifyOptions, larder } from '../src/index.js';

/** A clock the test moves by hand; the engine reads it through its `now` option. */
export function manualClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

/** Let pending promises, I/O callbacks and immediates run (no timers, no real waiting). */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Turn the event loop until `condition` holds; fails after `turns` turns instead of hanging. */
export async function until(condition: () => boolean, turns = 500): Promise<void> {
  for (let i = 0; i < turns && !condition(); i++) await new Promise<void>((resolve) => setImmediate(resolve));
  if (!condition()) throw new Error('condition not reached');
}

/** A Fastify app with Larder registered (and awaited, so routes added next see its onRoute hook). */
export async function appWith(options: LarderFastifyOptions = {}): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(larder, options);
  return app;
}
