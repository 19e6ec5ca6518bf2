// The timeline of one fleet process of the stampede benchmark (TRACE=1): when its requests arrived
// and were answered, when its leader's claim was sent and answered, its L2 reads, the fill notices it
// heard, its lease's release, and the CPU and event-loop use over the burst. Times are ms since the
// epoch with sub-ms precision, comparable across the processes of one machine.
import { PerformanceObserver, performance } from 'node:perf_hooks';
import v8 from 'node:v8';

const now = () => performance.timeOrigin + performance.now();
/** @type {{ name: string, at: number, end?: number, note?: string }[]} */
const events = [];

/** Record `name` now; returns a function that records its end. */
function span(name) {
  const event = { name, at: now() };
  events.push(event);
  return (note) => {
    event.end = now();
    if (note !== undefined) event.note = note;
  };
}

/** Wrap the backend's claim, L2 reads and lease releases, and listen to its fill notices. */
export function traceBackend(shared) {
  const fills = shared.fills;
  if (fills !== undefined) {
    const traceClaim = async (claimed) => {
      const end = span('claim');
      const result = await claimed();
      end(result.kind);
      if (result.kind === 'lead') {
        const lease = result.lease;
        const write = lease.write.bind(lease);
        lease.write = async (k, entry) => {
          const done = span('lease.write');
          const wrote = await write(k, entry);
          done(String(wrote));
          return wrote;
        };
        const release = lease.release.bind(lease);
        lease.release = async (outcome) => {
          const done = span('lease.release');
          await release(outcome);
          done(outcome.kind);
        };
      }
      return result;
    };
    const claim = fills.claim.bind(fills);
    fills.claim = (key, options) => traceClaim(() => claim(key, options));
    if (typeof fills.readOrClaim === 'function') {
      // the cold read that claims with the same round trip; its claim, taken up, shows as `claim`
      const readOrClaim = fills.readOrClaim.bind(fills);
      fills.readOrClaim = async (key) => {
        const done = span('read-or-claim');
        const read = await readOrClaim(key);
        done(read.entry !== undefined ? 'hit' : read.claim !== undefined ? 'claimed' : 'miss');
        if (read.claim === undefined) return read;
        const begun = read.claim;
        return {
          entry: read.entry,
          claim: { take: (options) => traceClaim(() => begun.take(options)), drop: () => begun.drop() },
        };
      };
    }
    fills.onFill(() => span('notice')());
    const subscribe = fills.subscribe.bind(fills);
    fills.subscribe = () => {
      const done = span('subscribe');
      return subscribe().then((ok) => {
        done(String(ok));
        return ok;
      });
    };
  }
  const store = shared.store;
  const get = store.get.bind(store);
  store.get = async (key) => {
    const done = span('l2.get');
    const entry = await get(key);
    done(entry === undefined ? 'miss' : 'hit');
    return entry;
  };
}

/** Record each /item request's arrival and answer, and the process's CPU over the burst. */
export function traceRequests(app) {
  /** @type {[number, number, boolean][]} */
  let requests = [];
  let cpu;
  let elu;
  let first;
  let heap;
  const newSpace = () => {
    const s = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
    return `${(s.space_used_size / 1e6).toFixed(1)}/${(s.space_size / 1e6).toFixed(1)}`;
  };
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.url.startsWith('/item/')) {
      const t = now();
      if (first === undefined) {
        first = t;
        cpu = process.cpuUsage();
        elu = performance.eventLoopUtilization();
        heap = newSpace();
      }
      request.tracedAt = t;
    }
    done();
  });
  app.addHook('onResponse', (request, _reply, done) => {
    if (request.tracedAt !== undefined) {
      requests.push([request.tracedAt, now(), request.calledOrigin !== true]);
    }
    done();
  });
  const gcs = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcs.push([performance.timeOrigin + entry.startTime, entry.duration, entry.detail?.kind]);
    }
  }).observe({ entryTypes: ['gc'] });
  return {
    mark: (name) => span(name)(),
    take() {
      const used = cpu === undefined ? undefined : process.cpuUsage(cpu);
      const out = {
        started: performance.timeOrigin,
        requests,
        events: events.splice(0),
        cpuMs: used === undefined ? 0 : (used.user + used.system) / 1000,
        elu: elu === undefined ? 0 : performance.eventLoopUtilization(elu).utilization,
        heap: `new space at the first request ${heap}, now ${newSpace()} MB`,
        gcs: gcs.splice(0).filter(([at]) => first !== undefined && at >= first),
      };
      requests = [];
      first = undefined;
      cpu = undefined;
      return out;
    },
  };
}

/**
 * PROFILE=dir: a CPU profile of the process from now until `stop()` (the first /stats), written to
 * `dir/<mode>-<pid>.cpuprofile`.
 */
export async function profileUntil(dir, name) {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(`${dir}/${name}-${process.pid}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  };
}
