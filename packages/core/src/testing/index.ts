/**
 * Test utilities for `@larder/core`, published as `@larder/core/testing`: the policy contract and the
 * store contract. Framework-free: they throw on failure, so they work under vitest, node:test, jest
 * or a plain script.
 */
export {
  PolicyContractError,
  type PolicyContractOptions,
  type PolicyContractReport,
  type PolicyDebugHooks,
  runPolicyContract,
} from './run-policy-contract.js';
export {
  makeEntry,
  runStoreContract,
  type StoreContractCase,
  StoreContractError,
  type StoreContractOptions,
  type StoreContractReport,
  type StoreFixture,
  storeContractCases,
} from './run-store-contract.js';
