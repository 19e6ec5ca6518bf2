import { isPolicyName as isCorePolicyName, type PolicyName, policyNames } from '@larder/core';

export type { PolicyName };

/**
 * The eviction policies of `@larder/core` that `larder-sim` replays, in the order tables list them:
 * core's own registry (`policyNames`), so that a policy added there is simulated without a change
 * here. `opt` is not among them: it is the offline optimum, computed by {@link opt} in this package.
 */
export const POLICY_NAMES: readonly PolicyName[] = policyNames;

/** Whether `name` is one of {@link POLICY_NAMES}. */
export function isPolicyName(name: string): name is PolicyName {
  return isCorePolicyName(name);
}
