/**
 * The miss strategy of an engine with a shared tier (DESIGN "Stampede protection" item 2): memory
 * in front of the shared store, and one process of the fleet filling a missing key while the others
 * wait for it. The engine chooses it, or {@link LocalFill}, once at construction.
 */
import type {
  EntryVersion,
  FillClaim,
  FillCoordinator,
  FillLease,
  FillOutcome,
  PendingClaim,
  SharedBackend,
} from '../store/shared-backend.js';
import { TieredStore } from '../store/tiered-store.js';
import type { StoredEntry } from '../store/types.js';
import type { FlightOutcome } from './fill.js';
import type { HitForPass } from './hit-for-pass.js';
import type { InvalidationLog } from './invalidation-log.js';
import { type ClaimStep, isEntry, LocalFill, type MissServices } from './local-fill.js';
import type { ResolvedHttpCacheOptions } from './options.js';
import type { FlightLeader, SingleFlight } from './single-flight.js';
import type { HttpCacheStats } from './types.js';

/**
 * How much sooner than `lockTimeout` a process stops waiting for the fleet's filler (at most this many
 * ms, and a tenth of `lockTimeout`): time to read the shared store once and hand its own waiters the
 * result before their in-process wait times out.
 */
const CLAIM_MARGIN = 50;
/**
 * Longest a fleet filler's own waiters wait for its shared-store write to land before they get the
 * outcome anyway, in ms (see `#leaseFlight`).
 */
const LOCAL_RELEASE_GRACE = 25;
const AGAIN: ClaimStep = { kind: 'again' };
const TIMEOUT: ClaimStep = { kind: 'timeout' };

/** Which counter of {@link HttpCacheStats} a fleet claim's answer adds to. */
const CLAIM_COUNTERS = {
  lead: 'fleetLeads',
  done: 'fleetWaits',
  timeout: 'fleetTimeouts',
  unavailable: 'fleetUnavailable',
} as const satisfies Record<FillClaim['kind'], keyof HttpCacheStats>;

/** What {@link FleetFill} uses of the engine, besides {@link MissServices}. */
export interface FleetServices extends MissServices {
  /** This process's fills in flight: while one runs for a key, only L1 is read. */
  readonly flights: SingleFlight<FlightOutcome>;
  readonly hitForPass: HitForPass;
  /** Invalidations heard from other processes go here. */
  readonly log: InvalidationLog;
  /** Another process stored `key`: a refresh of it waiting here is over. */
  readonly refreshDone: (key: string) => void;
}

/** The miss strategy with a shared tier. */
export class FleetFill extends LocalFill {
  readonly #tiered: TieredStore;
  readonly #fills: FillCoordinator | undefined;
  readonly #fleet: FleetServices;
  readonly #now: () => number;
  /** How long a claim waits for another process's fill, in ms. */
  readonly #claimWait: number;
  /** Every lease this engine obtained, to tell its own fills from other engines' in fill notices. */
  readonly #leases = new WeakSet<FillLease>();
  /** Leases taken for background refreshes, until the refresh's own lookup picks them up. */
  readonly #refreshLeases = new Map<string, FillLease>();
  /** Claims begun by a read of a cold key (`readOrClaim`), until the read's lookup takes them up. */
  readonly #begun = new Map<string, PendingClaim>();
  /** The read of a lookup that may lead a fill: the entry, or the key claimed with the same round trip. */
  readonly #readToFill: ((key: string) => Promise<StoredEntry | undefined>) | undefined;
  /** Undo the hooks into the shared backend (remote fill listener, retain), and close our own L1. */
  readonly #detach: (() => Promise<void>)[] = [];

  /** @param shared The backend given as the engine's `shared` option. */
  constructor(shared: SharedBackend, o: ResolvedHttpCacheOptions, services: FleetServices) {
    let tiered!: TieredStore;
    super(o, services, (local) => {
      tiered = new TieredStore({
        ...(local !== undefined ? { l1: local } : {}),
        l2: shared.store,
        // engines sharing one backend each get their own endpoint, so they hear each other
        bus: shared.bus?.connect?.() ?? shared.bus,
        l1Ttl: shared.l1Ttl,
        // a given L1 is bounded by its own options
        ...(local === undefined
          ? {
              maxEntries: o.maxEntries,
              maxBytes: o.maxBytes,
              ...(o.seed === undefined ? {} : { seed: o.seed }),
            }
          : {}),
        now: o.now,
        onError: (error, context) => services.report(error, `shared.${context}`),
        onInvalidation: (message) => services.log.noteMessage(message),
      });
      return tiered;
    });
    this.#tiered = tiered;
    this.#fleet = services;
    this.#now = o.now;
    this.#fills = shared.fills;
    this.#claimWait = Math.max(0, o.lockTimeout - Math.min(CLAIM_MARGIN, o.lockTimeout / 10));
    const fills = shared.fills;
    if (typeof fills?.readOrClaim === 'function') this.#readToFill = (key) => this.#readOrClaim(fills, key);
    const local = this.local;
    if (local !== undefined) this.#detach.push(() => local.close());
    const stop = shared.fills?.onFill?.((key, lease) => {
      if (lease !== undefined && this.#leases.has(lease)) return;
      // another engine stored a newer entry: drop ours, and stop waiting to refresh it ourselves
      void tiered.invalidateLocal({ keys: [key] });
      services.refreshDone(key);
    });
    if (stop !== undefined) this.#detach.push(async () => stop());
    const release = shared.retain?.();
    if (release !== undefined) this.#detach.push(release);
  }

  /**
   * Lead the fill for the fleet, or wait for the process that does (then look up again). Local
   * waiters get what the leader learns. Without a fill coordinator, this process fills alone.
   */
  override claim(
    key: string,
    flight: FlightLeader<FlightOutcome>,
    seen: StoredEntry | undefined,
    retryable: boolean,
  ): ClaimStep | Promise<ClaimStep> {
    if (this.#fills === undefined) return super.claim(key, flight, seen, retryable);
    // the claim this lookup's read began, if it did
    const begun = this.#begun.get(key);
    if (begun !== undefined) this.#begun.delete(key);
    return this.#claim(key, flight, seen, retryable, begun);
  }

  async #claim(
    key: string,
    flight: FlightLeader<FlightOutcome>,
    seen: StoredEntry | undefined,
    retryable: boolean,
    begun: PendingClaim | undefined,
  ): Promise<ClaimStep> {
    const claim = await this.#tryClaim(key, this.#claimWait, begun);
    this.services.stats[CLAIM_COUNTERS[claim.kind]]++;
    switch (claim.kind) {
      case 'unavailable':
        // the shared tier is down: exactly the single-process engine
        return { kind: 'fill' };
      case 'lead': {
        // the previous filler may have finished between our read and our lock: then read its entry
        // rather than calling the origin a second time
        const current = claim.current === undefined ? await this.#readShared(key) : claim.current;
        if (current != null && this.#changedSince(seen, current) && retryable) {
          void claim.lease.release({ kind: 'retry', abandoned: false });
          // our L1 may hold the older copy we saw: the next look must reach the shared store
          await this.#tiered.invalidateLocal({ keys: [key] });
          flight.settle({ kind: 'retry', abandoned: false });
          return AGAIN;
        }
        return { kind: 'fill', flight: this.#leaseFlight(flight, claim.lease), lease: claim.lease };
      }
      case 'done': {
        if (claim.outcome.kind === 'filled') {
          const carried = claim.outcome.entry;
          if (isEntry(carried)) {
            // the notice carried the entry written: into L1, and no read of the shared store
            await this.#tiered.setLocal(key, carried);
          } else {
            // an older copy in our L1 (kept for stale-if-error) must not hide the new entry
            await this.#tiered.invalidateLocal({ keys: [key] });
          }
          const stored = await this.#readFilled(key);
          if (stored !== undefined) {
            flight.settle(stored);
            // this request looks again and finds the entry in L1: counted as a hit, its wait being
            // counted in fleetWaits already (the metrics add the two up as coalesced requests)
            return AGAIN;
          }
        }
        const outcome = toFlightOutcome(claim.outcome);
        if (outcome.kind === 'uncacheable' && outcome.status < 500) {
          // as the filler's own process does: later requests here pass without queueing
          this.#fleet.hitForPass.mark(key, this.#now());
        }
        flight.settle(outcome);
        return { kind: 'waited', outcome };
      }
      case 'timeout': {
        // the filler is slower than lockTimeout: one last look at the shared store, else the origin
        // without storing (nginx proxy_cache_lock_timeout)
        const current = await this.#readShared(key);
        if (current !== undefined && this.#changedSince(seen, current) && retryable) {
          await this.#tiered.invalidateLocal({ keys: [key] });
          flight.settle({ kind: 'retry', abandoned: false });
          return AGAIN;
        }
        flight.expire();
        return TIMEOUT;
      }
    }
  }

  /** A background refresh's fill of `key` leads for the fleet with the lease its claim took. */
  override refreshFill(
    key: string,
    flight: FlightLeader<FlightOutcome> | undefined,
  ): { flight: FlightLeader<FlightOutcome> | undefined; lease: FillLease | undefined } {
    const lease = this.#refreshLeases.get(key);
    if (lease === undefined) return { flight, lease };
    this.#refreshLeases.delete(key);
    return { flight: this.#leaseFlight(flight, lease), lease };
  }

  /** One process of the fleet refreshes a key: the one that takes the fleet's lease for it. */
  override claimRefresh(key: string, wanted: () => boolean): Promise<'go' | 'others' | 'drop'> | undefined {
    if (this.#fills === undefined) return undefined;
    return this.#tryClaim(key, 0).then((claim) => {
      if (claim.kind === 'unavailable') return 'go';
      if (claim.kind !== 'lead') return 'others';
      if (!wanted()) {
        void claim.lease.release({ kind: 'retry', abandoned: true });
        return 'drop';
      }
      this.#refreshLeases.set(key, claim.lease);
      return 'go';
    });
  }

  /** A lease the refresh's lookup did not pick up (the route is not cached any more, say). */
  override releaseRefresh(key: string): void {
    const lease = this.#refreshLeases.get(key);
    if (lease === undefined) return;
    this.#refreshLeases.delete(key);
    void lease.release({ kind: 'retry', abandoned: true });
  }

  override stop(): void {
    for (const lease of this.#refreshLeases.values()) void lease.release({ kind: 'retry', abandoned: true });
    this.#refreshLeases.clear();
    for (const claim of this.#begun.values()) this.#drop(claim);
    this.#begun.clear();
  }

  /** Close the tier, then let go of the shared backend: it is not ours to close (it closes when its last user does). */
  override async close(): Promise<void> {
    await super.close();
    for (const detach of this.#detach.splice(0)) {
      try {
        await detach();
      } catch (error) {
        this.services.report(error, 'shared.release');
      }
    }
  }

  /**
   * While this process has a fill of `key` in flight only L1 is read: the shared store cannot have a
   * newer entry before the fill ends (its waiters hear of it then), so a burst of requests on a cold
   * key costs one L2 read per process, not one per request.
   */
  protected override get(key: string, toFill: boolean): unknown {
    if (this.#fleet.flights.running(key)) return this.#tiered.l1.get(key);
    return this.#tiered.getThrough(key, toFill ? this.#readToFill : undefined);
  }

  /**
   * A cold read that claims the key when it finds nothing: the claim waits for this lookup's
   * {@link FleetFill.claim}, which comes in the same turn of the event loop as the read's answer
   * (single-flight lets one request of the process claim). When it does not come (the requests
   * that shared the read did not fill: a pass, hit-for-pass), the claim is dropped, freeing the key.
   */
  async #readOrClaim(fills: FillCoordinator, key: string): Promise<StoredEntry | undefined> {
    const read = await fills.readOrClaim!(key);
    const claim = read?.claim;
    if (claim !== undefined) {
      const previous = this.#begun.get(key);
      if (previous !== undefined) this.#drop(previous);
      this.#begun.set(key, claim);
      const unclaimed = setImmediate(() => {
        if (this.#begun.get(key) !== claim) return;
        this.#begun.delete(key);
        this.#drop(claim);
      });
      unclaimed.unref?.();
    }
    return read?.entry;
  }

  #drop(claim: PendingClaim): void {
    try {
      claim.drop();
    } catch (error) {
      this.services.report(error, 'shared.claim');
    }
  }

  /** With a lease, L1 is written directly and the shared L2 through the lease (conditional on holding it). */
  protected override writeOne(
    key: string,
    entry: StoredEntry,
    lease: FillLease | undefined,
  ): Promise<void> | undefined {
    if (lease === undefined) return super.writeOne(key, entry, lease);
    const tiered = this.#tiered;
    const both = async () => {
      await Promise.all([tiered.setLocal(key, entry), lease.write(key, entry)]);
    };
    return both().catch((error: unknown) => this.services.report(error, 'store.set'));
  }

  /**
   * `claim` on the coordinator (or the claim a read began), as `'unavailable'` when it throws or
   * rejects (it should not).
   */
  async #tryClaim(key: string, wait: number, begun?: PendingClaim): Promise<FillClaim> {
    try {
      const claim = await (begun === undefined ? this.#fills!.claim(key, { wait }) : begun.take({ wait }));
      if (typeof claim === 'object' && claim !== null) {
        if (claim.kind === 'lead') this.#leases.add(claim.lease);
        return claim;
      }
      throw new TypeError('fills.claim resolved something that is not a claim');
    } catch (error) {
      this.services.report(error, 'shared.claim');
      return { kind: 'unavailable' };
    }
  }

  /** The entry at `key` in the shared store itself (not L1), absorbing failures (a miss). */
  async #readShared(key: string): Promise<StoredEntry | undefined> {
    try {
      const entry = await this.#tiered.l2.get(key);
      return isEntry(entry) ? entry : undefined;
    } catch (error) {
      this.services.report(error, 'shared.l2.get');
      return undefined;
    }
  }

  /**
   * Another process filled `key`: its entry, read once through the tier (into L1), as the outcome
   * this process's waiters get, so that they answer from it as an in-process leader's waiters do
   * instead of each looking up again (through L1, but a lookup each all the same). `undefined` (they look up again) when there is nothing fresh
   * at `key`, or a Vary index rather than a response.
   */
  async #readFilled(key: string): Promise<FlightOutcome | undefined> {
    let entry: unknown;
    try {
      entry = await this.#tiered.get(key);
    } catch (error) {
      this.services.report(error, 'shared.l2.get');
      return undefined;
    }
    if (!isEntry(entry) || entry.vary !== undefined || this.#now() >= entry.staleAt) return undefined;
    // a response stored at the key itself (not a variant): it varies on nothing
    return { kind: 'stored', key, entry, vary: [] };
  }

  /** Whether `now` is a usable entry that another fill wrote after the lookup that saw `seen`. */
  #changedSince(seen: StoredEntry | undefined, now: EntryVersion): boolean {
    const t = this.#now();
    if (t >= now.expiresAt || (now.vary === undefined && t >= now.staleAt)) return false;
    return seen === undefined || now.storedAt !== seen.storedAt || now.staleAt !== seen.staleAt;
  }

  /**
   * The flight of a fill that holds the fleet's lease: settling it also releases the lease, once the
   * store write has landed, telling the other processes how the fill ended; this process's own
   * waiters get the outcome then too (at most `LOCAL_RELEASE_GRACE` ms later than they would
   * without a fleet). `flight` may be absent (a background refresh while a request's fill runs):
   * the lease is released all the same.
   */
  #leaseFlight(
    flight: FlightLeader<FlightOutcome> | undefined,
    lease: FillLease,
  ): FlightLeader<FlightOutcome> {
    let released = false;
    const release = (outcome: FlightOutcome) => {
      if (released) return;
      released = true;
      const fill: FillOutcome = outcome.kind === 'stored' ? { kind: 'filled' } : outcome;
      lease.release(fill).catch((error: unknown) => this.services.report(error, 'shared.release'));
    };
    return {
      get settled() {
        return flight?.settled ?? released;
      },
      settle: (outcome, linger) => {
        if (linger === undefined) {
          flight?.settle(outcome);
          release(outcome);
          return;
        }
        // the fleet first: answering this process's waiters is a burst of work that would hold up
        // the shared store's write and the notice the other processes wait for. They get the
        // outcome once the write has landed, or after a short grace should Redis be slow.
        const grace = setTimeout(() => flight?.settle(outcome, linger), LOCAL_RELEASE_GRACE);
        grace.unref?.();
        const done = () => {
          clearTimeout(grace);
          release(outcome);
          flight?.settle(outcome);
        };
        linger.then(done, done);
      },
      expire: () => {
        flight?.expire();
        release({ kind: 'retry', abandoned: true });
      },
    };
  }
}

/** What a fleet filler's outcome means to this process's own waiters. */
function toFlightOutcome(outcome: FillOutcome): FlightOutcome {
  switch (outcome.kind) {
    case 'filled':
      // the entry is in the shared store: look up again (one read of L2, then L1 for the rest)
      return { kind: 'retry', abandoned: false };
    case 'uncacheable':
      return { kind: 'uncacheable', status: outcome.status };
    default:
      return { kind: 'retry', abandoned: outcome.abandoned === true };
  }
}
