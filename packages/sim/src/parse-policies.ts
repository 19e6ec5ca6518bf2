import type { PolicyName } from './policy-name.js';
import { isPolicyName, POLICY_NAMES } from './policy-name.js';
import { SimError } from './sim-error.js';

/**
 * Parses a comma-separated policy list such as `lru,w-tinylfu` (case-insensitive, spaces allowed,
 * duplicates dropped, `all` for every policy), keeping the order of {@link POLICY_NAMES}.
 *
 * @throws {@link SimError} naming the first unknown policy, or when the list is empty.
 */
export function parsePolicies(text: string): PolicyName[] {
  const wanted = new Set<PolicyName>();
  for (const raw of text.split(',')) {
    const name = raw.trim().toLowerCase();
    if (name === '') continue;
    if (name === 'all') {
      for (const policy of POLICY_NAMES) wanted.add(policy);
    } else if (isPolicyName(name)) {
      wanted.add(name);
    } else {
      const hint = name === 'opt' ? ' (OPT is always included; use --no-opt to leave it out)' : '';
      throw new SimError(`unknown policy '${raw.trim()}'${hint}; known policies: ${POLICY_NAMES.join(', ')}`);
    }
  }
  if (wanted.size === 0)
    throw new SimError(`--policies is empty; known policies: ${POLICY_NAMES.join(', ')}`);
  return POLICY_NAMES.filter((policy) => wanted.has(policy));
}
