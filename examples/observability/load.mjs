// `node load.mjs [--requests N] [--concurrency C] [--seed S] BASE_URL...`: a skewed read load (a few
// hot products, a long tail, some searches) with an occasional write, against each base URL (default
// the two apps of server.mjs); then prints what each app's /metrics says. Without --requests it runs
// until interrupted.
import { parseArgs } from 'node:util';

/** A small seeded generator (xorshift32), so that a run is repeatable. */
export function seeded(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** The next request: 80% product reads (Zipf-like over 200 ids), 15% searches, 5% writes. */
export function nextRequest(random) {
  const r = random();
  if (r < 0.05) return { method: 'POST', path: `/products/${1 + Math.floor(random() * 20)}` };
  if (r < 0.2) {
    const q = ['shoes', 'hats', 'bags', 'socks'][Math.floor(random() * 4)];
    return { method: 'GET', path: `/search?q=${q}` };
  }
  const id = Math.min(200, Math.floor(1 / (random() * 0.995 + 0.005)));
  return { method: 'GET', path: `/products/${id}` };
}

/** Send `count` requests to `base` over `concurrency` connections; resolves how many were sent. */
export async function run(base, count, { concurrency = 8, random = seeded(42) } = {}) {
  let sent = 0;
  const worker = async () => {
    while (sent < count) {
      sent++;
      const { method, path } = nextRequest(random);
      const res = await fetch(base + path, { method });
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return sent;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      requests: { type: 'string' },
      concurrency: { type: 'string', default: '8' },
      seed: { type: 'string', default: '42' },
    },
  });
  const bases = positionals.length > 0 ? positionals : ['http://127.0.0.1:3001', 'http://127.0.0.1:3002'];
  const total = values.requests === undefined ? Number.POSITIVE_INFINITY : Number(values.requests);
  const concurrency = Number(values.concurrency);
  for (const base of bases) console.log(`loading ${base} with ${concurrency} connections`);
  const counts = await Promise.all(
    bases.map((base) => run(base, total, { concurrency, random: seeded(Number(values.seed)) })),
  );
  for (const [i, base] of bases.entries()) {
    const text = await (await fetch(`${base}/metrics`)).text();
    const lines = text.split('\n').filter((l) => /^larder_(requests_total|entries|stores_total)/.test(l));
    console.log(`\n${base}: ${counts[i]} requests\n${lines.join('\n')}`);
  }
}
