/**
 * The {@link FillPlan} of a miss: what the lookup learned, as the fill that stores the origin's
 * response needs it.
 */
import type { FillLease } from '../store/shared-backend.js';
import { keyOrigin, normalizePathAndQuery } from './cache-key.js';
import type { FillPlan, FlightOutcome } from './fill.js';
import type { LookupContext } from './lookup-context.js';
import type { FlightLeader } from './single-flight.js';
import { originUrlTag, urlTag } from './tags.js';

/** What a lookup decided about a miss, besides its context. */
export type MissAt = Pick<
  FillPlan,
  'key' | 'index' | 'stale' | 'fwd' | 'flight' | 'onDone' | 'lease' | 'refresh' | 'validation'
>;

/**
 * The plan of a miss on `ctx`, as `at` says, leading `flight` (with the fleet's `lease`) when given
 * instead of those in `at`. One object literal with every field spelled out: spreading `at` into it
 * took V8's generic property copy on every miss, and gave plans of several shapes.
 */
export function missPlan(
  ctx: LookupContext,
  at: MissAt,
  flight: FlightLeader<FlightOutcome> | undefined = at.flight,
  lease: FillLease | undefined = at.lease,
): FillPlan {
  // the URL tags are only needed to store, so hits never pay for them
  const path = (ctx.path ??= normalizePathAndQuery(ctx.req.url));
  return {
    kind: 'miss',
    key: at.key,
    baseKey: ctx.baseKey,
    urlTag: urlTag(path),
    originUrlTag: originUrlTag(keyOrigin(ctx.req), path),
    req: ctx.req,
    route: ctx.route,
    fwd: at.fwd,
    detail: undefined,
    stale: at.stale,
    index: at.index,
    flight,
    lease,
    onDone: at.onDone,
    requestNoStore: ctx.requestNoStore,
    private: ctx.private,
    refresh: at.refresh,
    validation: at.validation,
  };
}
