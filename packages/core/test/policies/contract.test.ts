import { describe, expect, it } from 'vitest';
import { createPolicy, policyNames } from '../../src/policies/create-policy.js';
import type { EvictionPolicy, RemovalReason } from '../../src/policies/eviction-policy.js';
import { LruPolicy } from '../../src/policies/lru.js';
import { PolicyContractError, runPolicyContract } from '../../src/testing/index.js';

describe('the policy contract', () => {
  it('covers every built-in policy, in table order', () => {
    expect(policyNames).toEqual([
      'fifo',
      'lru',
      'lfu',
      'clock',
      'enhanced-clock',
      'lru-k',
      '2q',
      'arc',
      'mq',
      'sieve',
      's3-fifo',
      'w-tinylfu',
    ]);
  });

  it.each(policyNames)(
    'holds for %s',
    (name) => {
      const report = runPolicyContract(() => createPolicy(name));
      expect(report.policy).toBe(name);
      expect(report.operations).toBeGreaterThan(10_000);
      expect(report.memory).not.toBe('skipped');
    },
    120_000,
  );
});

/** LRU with one defect switched on, to prove the contract notices it. */
class BrokenLru implements EvictionPolicy {
  readonly name = 'broken-lru';
  readonly needsHash: boolean;
  readonly #inner = new LruPolicy();
  readonly #defect: 'leak' | 'keep-deleted' | 'stale-victim' | 'throw' | 'grow';
  #ghosts: number[] = [];
  #bytes = new Int32Array(16);
  #evictions = 0;

  constructor(defect: BrokenLru['defect']) {
    this.#defect = defect;
    this.needsHash = defect === 'leak';
  }
  get defect(): 'leak' | 'keep-deleted' | 'stale-victim' | 'throw' | 'grow' {
    return this.#defect;
  }
  resize(capacity: number, maxEntries: number): void {
    this.#inner.resize(capacity);
    void maxEntries;
  }
  insert(slot: number, hash: number): void {
    if (this.#defect === 'throw' && slot === 3) throw new Error('boom');
    this.#inner.insert(slot);
    void hash;
  }
  access(slot: number): void {
    this.#inner.access(slot);
  }
  update(slot: number): void {
    this.#inner.update(slot);
  }
  remove(slot: number, reason: RemovalReason): void {
    if (this.#defect === 'keep-deleted' && reason !== 'evict') return;
    this.#inner.remove(slot);
    if (this.#defect === 'leak') this.#ghosts.push(slot);
    if (this.#defect === 'grow' && reason === 'evict' && ++this.#evictions % 256 === 0) {
      this.#bytes = new Int32Array(this.#bytes.length + 1);
    }
  }
  victim(): number {
    const victim = this.#inner.victim();
    // evicts the second oldest: still live, but the cache's count of events stays right; the
    // stale variant instead returns a slot that already left
    return this.#defect === 'stale-victim' && victim !== -1 ? (victim + 1) % 4 : victim;
  }
  slots(): IterableIterator<number> {
    return this.#inner.slots();
  }
  clear(): void {
    this.#inner.clear();
  }
  debugSize(): number {
    return this.#ghosts.length;
  }
  debugBytes(): number {
    return this.#bytes.byteLength;
  }
}

describe('runPolicyContract', () => {
  const quick = { sequences: 30, operations: 120, churnOperations: 50_000, churnMax: 64 };

  it('reports a policy that keeps deleted slots, with the operations that led there', () => {
    const error = catchError(() => runPolicyContract(() => new BrokenLru('keep-deleted'), quick));
    expect(error).toBeInstanceOf(PolicyContractError);
    expect(error.message).toMatch(/Policy contract violated by 'broken-lru'/);
    expect(error.message).toMatch(/slots\(\)|victim\(\)/);
    expect(error.message).toMatch(/operations \(\d+, shrunk from \d+/);
    expect(error.operations.length).toBeGreaterThan(0);
    expect(error.operations.length).toBeLessThanOrEqual(6);
  });

  it('reports a policy whose victim is not a live entry', () => {
    const error = catchError(() => runPolicyContract(() => new BrokenLru('stale-victim'), quick));
    expect(error).toBeInstanceOf(PolicyContractError);
  });

  it('reports a policy that throws, naming the operation', () => {
    const error = catchError(() => runPolicyContract(() => new BrokenLru('throw'), quick));
    expect(error.property).toBe('no operation throws');
    expect(error.message).toMatch(/threw Error: boom/);
  });

  it('reports ghosts that grow with key churn', () => {
    const error = catchError(() => runPolicyContract(() => new BrokenLru('leak'), quick));
    expect(error.property).toBe('memory stays flat under key churn');
    expect(error.message).toMatch(/debugSize\(\)/);
  });

  it('reports typed arrays that keep growing after warm-up', () => {
    const error = catchError(() => runPolicyContract(() => new BrokenLru('grow'), quick));
    expect(error.property).toBe('memory stays flat under key churn');
    expect(error.message).toMatch(/debugBytes\(\) grew/);
  });

  it('rejects a factory that returns the same instance twice', () => {
    const shared = new LruPolicy();
    expect(() => runPolicyContract(() => shared, quick)).toThrow(/makePolicy returned the same instance/);
  });

  it('falls back to slots() when a policy has no debug hooks and gc is not exposed', () => {
    const report = runPolicyContract(() => new LruPolicy(), quick);
    const gc = (globalThis as { gc?: unknown }).gc;
    expect(report.memory).toBe(gc ? 'heap' : 'slots-only');
  });

  it('is deterministic for a seed', () => {
    const a = runPolicyContract(() => createPolicy('arc'), { ...quick, seed: 42, churnOperations: 0 });
    const b = runPolicyContract(() => createPolicy('arc'), { ...quick, seed: 42, churnOperations: 0 });
    expect(a).toEqual(b);
  });
});

describe('every policy survives the cache growing its slot arrays', () => {
  it.each(policyNames)('%s', (name) => {
    const policy = createPolicy(name);
    policy.resize(4, 0);
    const live = new Set<number>();
    for (let slot = 0; slot < 4; slot++) {
      policy.insert(slot, slot * 2654435761);
      live.add(slot);
    }
    policy.access(1);
    for (let capacity = 8; capacity <= 64; capacity *= 2) {
      policy.resize(capacity, 0);
      for (let slot = capacity / 2; slot < capacity; slot++) {
        policy.insert(slot, slot * 2654435761);
        live.add(slot);
        if (slot % 3 === 0) policy.access(slot - 1);
      }
      expect(new Set(policy.slots())).toEqual(live);
    }
    while (live.size > 0) {
      const victim = policy.victim();
      expect(live.has(victim)).toBe(true);
      policy.remove(victim, 'evict');
      live.delete(victim);
    }
    expect(policy.victim()).toBe(-1);
  });
});

function catchError(fn: () => unknown): PolicyContractError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PolicyContractError) return error;
    throw error;
  }
  throw new Error('expected the contract to fail');
}
