// The --trace report of the stampede benchmark's fresh fleets: per process, where a burst's time
// went, in ms since the burst started (the client's first request). Reads the timelines that
// bench/lib/stampede-trace-node.mjs keeps in each process and the client's own per-request times.

const f = (x) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(0));

function quantiles(values) {
  const sorted = values.filter((x) => x !== undefined).sort((a, b) => a - b);
  if (sorted.length === 0) return '-';
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return `${f(sorted[0])}/${f(q(0.5))}/${f(q(0.99))}/${f(sorted.at(-1))}`;
}

/**
 * @param {number} start the burst's start, ms since the epoch
 * @param {unknown[]} nodes the fleet, in the order of `results`
 * @param {{ at?: { sent: number, connected?: number, head: number }, ms: number }[]} results the client's answers, `requests` per node
 * @param {{ trace?: { requests: [number, number, boolean][], events: { name: string, at: number, end?: number, note?: string }[], cpuMs: number, elu: number } }[]} after each node's /stats
 * @param {number} requests per node
 * @returns {string}
 */
export function traceReport(start, nodes, results, after, requests) {
  const rel = (t) => (t === undefined ? undefined : t - start);
  const lines = [
    '    times in ms since the burst began; a/b/c/d = min/p50/p99/max',
    '    proc  client connected    server arrived     server answered    client end         cpu ms  ELU   events',
  ];
  for (let i = 0; i < nodes.length; i++) {
    const mine = results.slice(i * requests, (i + 1) * requests);
    const trace = after[i].trace;
    if (trace === undefined) continue;
    const events = trace.events
      .filter((e) => e.name !== 'subscribe' || e.end === undefined || e.end - e.at > 1)
      .map((e) => {
        const end = e.end === undefined ? '' : `-${f(rel(e.end))}`;
        return `${e.name}${e.note ? `(${e.note})` : ''} ${f(rel(e.at))}${end}`;
      });
    // collapse runs of l2.get into one summary
    const l2 = trace.events.filter((e) => e.name === 'l2.get');
    const others = events.filter((e) => !e.startsWith('l2.get'));
    if (l2.length > 0)
      others.push(`l2.get ×${l2.length} ${l2.map((e) => `${f(rel(e.at))}-${f(rel(e.end))}`).join(' ')}`);
    const gcMs = trace.gcs.reduce((sum, [, d]) => sum + d, 0);
    // kind: 1 scavenge, 2 mark-sweep-compact, 4 incremental marking, 8 weak callbacks
    others.push(
      `gc ${f(gcMs)} ms [${trace.gcs.map(([at, d, kind]) => `${kind}@${f(rel(at))}+${f(d)}`).join(' ')}]`,
    );
    others.push(trace.heap);
    lines.push(
      `    ${String(i + 1).padEnd(5)} ${quantiles(mine.map((r) => rel(r.at?.connected))).padEnd(18)} ` +
        `${quantiles(trace.requests.map(([a]) => rel(a))).padEnd(18)} ` +
        `${quantiles(trace.requests.map(([, b]) => rel(b))).padEnd(18)} ` +
        `${quantiles(mine.map((r) => (r.at === undefined ? undefined : r.at.sent + r.ms - start))).padEnd(18)} ` +
        `${f(trace.cpuMs).padStart(6)}  ${trace.elu.toFixed(2)}  ${others.join(', ')}`,
    );
  }
  lines.push(`    ${criticalPath(after)}`);
  return lines.join('\n');
}

/**
 * The waiters' critical path in the servers, in ms: from the origin's process's first request to
 * its origin call, from the origin's answer to the fill notice in each process (in the filler's own,
 * its commit's reply: the notice itself left Redis with the commit), and from the notice to the last
 * answer of each process.
 */
function criticalPath(after) {
  const traces = after.map((s) => s.trace).filter((t) => t !== undefined);
  const at = (t, name) => t.events.find((e) => e.name === name)?.at;
  const filler = traces.find((t) => at(t, 'origin') !== undefined);
  if (filler === undefined || traces.length === 0) return 'critical path: -';
  const first = Math.min(...filler.requests.map(([a]) => a));
  const origin = at(filler, 'origin');
  const originEnd = at(filler, 'origin-end');
  if (traces.every((t) => at(t, 'notice') === undefined)) {
    return `critical path: first request -> origin ${f(origin - first)} (no fleet: no notice)`;
  }
  const mark = (t, x) => (t === filler ? `${f(x)}*` : f(x));
  const notices = traces.map((t) => mark(t, (at(t, 'notice') ?? Number.NaN) - originEnd));
  const tails = traces.map((t) =>
    mark(t, Math.max(...t.requests.map(([, b]) => b)) - (at(t, 'notice') ?? Number.NaN)),
  );
  return (
    `critical path: first request -> origin ${f(origin - first)}, origin end -> notice ${notices.join('/')}, ` +
    `notice -> last answer ${tails.join('/')} (per process, * the filler)`
  );
}
