import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimerWheel } from '../src/cache/timer-wheel.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Wheel times seen in practice: a fresh process's performance.now(), a fractional one, Date.now(). */
const BASES = [0, 12_345.678, 1_700_000_000_000.5];

/** Deterministic PRNG (mulberry32), so a failing seed reproduces. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Advance and return the expired slots, sorted. */
function advance(wheel: TimerWheel, now: number): number[] {
  const expired: number[] = [];
  const count = wheel.advance(now, (slot) => expired.push(slot));
  expect(count).toBe(expired.length);
  return expired.sort((a, b) => a - b);
}

/** The obviously correct version: a map from slot to expiry. */
class Model {
  readonly times = new Map<number, number>();

  due(now: number): number[] {
    const due: number[] = [];
    for (const [slot, at] of this.times) if (at <= now) due.push(slot);
    return due.sort((a, b) => a - b);
  }

  earliest(): number {
    let earliest = Number.POSITIVE_INFINITY;
    for (const at of this.times.values()) if (at < earliest) earliest = at;
    return earliest;
  }
}

/**
 * Check the invariants every state must meet against the model. Plain comparisons, failing with a
 * message, keep the 10,000-operation runs fast.
 */
function expectMatches(wheel: TimerWheel, model: Model, capacity: number): void {
  if (wheel.size !== model.times.size) expect.fail(`size is ${wheel.size}, model has ${model.times.size}`);
  const deadline = wheel.nextDeadline();
  const earliest = model.earliest();
  if (earliest === Number.POSITIVE_INFINITY ? deadline !== earliest : !(deadline <= earliest)) {
    expect.fail(`nextDeadline() is ${deadline}, the earliest expiry is ${earliest}`);
  }
  for (let slot = 0; slot < capacity; slot++) {
    if (wheel.has(slot) !== model.times.has(slot))
      expect.fail(`has(${slot}) should be ${model.times.has(slot)}`);
  }
}

describe('TimerWheel', () => {
  it('starts empty', () => {
    const wheel = new TimerWheel(8, 0);
    expect(wheel.size).toBe(0);
    expect(wheel.has(0)).toBe(false);
    expect(wheel.nextDeadline()).toBe(Number.POSITIVE_INFINITY);
    expect(advance(wheel, 10 * DAY)).toEqual([]);
  });

  it('schedules, reports and cancels slots', () => {
    const wheel = new TimerWheel(8, 100);
    wheel.schedule(3, 200);
    wheel.schedule(5, 100 + DAY);
    expect(wheel.size).toBe(2);
    expect(wheel.has(3)).toBe(true);
    expect(wheel.has(5)).toBe(true);
    expect(wheel.has(4)).toBe(false);

    wheel.cancel(3);
    wheel.cancel(3);
    wheel.cancel(4);
    expect(wheel.size).toBe(1);
    expect(wheel.has(3)).toBe(false);
    expect(advance(wheel, 300)).toEqual([]);
    expect(advance(wheel, 100 + DAY)).toEqual([5]);
    expect(wheel.size).toBe(0);
    expect(wheel.has(5)).toBe(false);
  });

  it('replaces the earlier schedule on reschedule', () => {
    const wheel = new TimerWheel(4, 0);
    wheel.schedule(1, 100);
    wheel.schedule(1, 50);
    expect(wheel.size).toBe(1);
    expect(advance(wheel, 49)).toEqual([]);
    expect(advance(wheel, 60)).toEqual([1]);

    wheel.schedule(2, 70);
    wheel.schedule(2, 3 * HOUR);
    expect(advance(wheel, 2 * HOUR)).toEqual([]);
    expect(wheel.has(2)).toBe(true);
    expect(advance(wheel, 3 * HOUR)).toEqual([2]);
    expect(wheel.size).toBe(0);
  });

  describe.each(BASES)('from time %d', (base) => {
    // Offsets at and around every level's span and range, and past the top level (the overflow).
    const offsets = [
      0.25,
      1,
      63.5,
      64,
      65,
      4095,
      4096,
      4097,
      MINUTE,
      2 ** 18 + 1,
      HOUR,
      2 ** 24,
      DAY,
      2 ** 30 - 1,
      2 ** 30 + 1,
      20 * DAY,
      365 * DAY,
    ];

    it.each(offsets)('expires a slot due in %d ms exactly at its time', (offset) => {
      const wheel = new TimerWheel(1, base);
      const at = base + offset;
      wheel.schedule(0, at);
      const rng = random(offset);
      // Approach in random steps, through every cascade, and stop just short.
      let now = base;
      for (let i = 0; i < 20; i++) {
        now += (at - now) * rng() * 0.5;
        expect(advance(wheel, now)).toEqual([]);
      }
      const justBefore = at - at * Number.EPSILON * 4 - 1e-9;
      expect(advance(wheel, justBefore)).toEqual([]);
      expect(wheel.has(0)).toBe(true);
      expect(wheel.nextDeadline()).toBeLessThanOrEqual(at);
      expect(wheel.nextDeadline()).toBeGreaterThan(justBefore);
      expect(advance(wheel, at)).toEqual([0]);
    });

    it('expires everything in one large jump', () => {
      const wheel = new TimerWheel(offsets.length, base);
      for (const [slot, offset] of offsets.entries()) wheel.schedule(slot, base + offset);
      expect(advance(wheel, base + 365 * DAY)).toEqual(offsets.map((_, slot) => slot));
    });

    it('expires a slot scheduled at or before the current time on the next advance', () => {
      const wheel = new TimerWheel(4, base);
      wheel.schedule(0, base - 100);
      wheel.schedule(1, base);
      wheel.schedule(2, base - 3 * DAY);
      expect(wheel.nextDeadline()).toBeLessThanOrEqual(base - 3 * DAY);
      expect(advance(wheel, base)).toEqual([0, 1, 2]);
      expect(wheel.nextDeadline()).toBe(Number.POSITIVE_INFINITY);
    });

    it('fires each slot at its expiresAt when driven by nextDeadline', () => {
      const capacity = 500;
      const wheel = new TimerWheel(capacity, base);
      const rng = random(7);
      const times = new Map<number, number>();
      for (let slot = 0; slot < capacity; slot++) {
        const at = base + rng() ** 4 * 20 * DAY;
        times.set(slot, at);
        wheel.schedule(slot, at);
      }
      let now = base;
      let wakeups = 0;
      let deadline: number;
      while ((deadline = wheel.nextDeadline()) !== Number.POSITIVE_INFINITY) {
        expect(deadline).toBeGreaterThan(now);
        now = deadline;
        wakeups++;
        wheel.advance(now, (slot) => {
          // Never late: the deadline was exactly this slot's time (or a tie).
          expect(times.get(slot)).toBe(now);
        });
      }
      expect(wheel.size).toBe(0);
      expect(wakeups).toBeLessThanOrEqual(capacity);
    });
  });

  it('rejects times that are not finite and slots out of range', () => {
    expect(() => new TimerWheel(-1, 0)).toThrow(RangeError);
    expect(() => new TimerWheel(1.5, 0)).toThrow(RangeError);
    expect(() => new TimerWheel(1, Number.NaN)).toThrow(RangeError);
    expect(() => new TimerWheel(1, Number.POSITIVE_INFINITY)).toThrow(RangeError);

    const wheel = new TimerWheel(4, 0);
    for (const at of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => wheel.schedule(0, at)).toThrow(RangeError);
      expect(() => wheel.advance(at, () => {})).toThrow(RangeError);
    }
    for (const slot of [-1, 4, 1.5, Number.NaN]) {
      expect(() => wheel.schedule(slot, 10)).toThrow(RangeError);
      expect(wheel.has(slot)).toBe(false);
      wheel.cancel(slot);
    }
    expect(() => wheel.resize(-1)).toThrow(RangeError);
    expect(wheel.size).toBe(0);
  });

  it('takes any finite time', () => {
    const wheel = new TimerWheel(5, 0);
    wheel.schedule(0, Number.MAX_VALUE);
    wheel.schedule(1, 1e300);
    wheel.schedule(2, -1e300);
    wheel.schedule(3, Number.MIN_VALUE);
    wheel.schedule(4, -Number.MAX_VALUE);
    expect(wheel.nextDeadline()).toBe(-Number.MAX_VALUE);
    expect(advance(wheel, 0)).toEqual([2, 4]);
    expect(advance(wheel, 1e300)).toEqual([1, 3]);
    expect(advance(wheel, Number.MAX_VALUE)).toEqual([0]);
  });

  it('does not rewind when the clock goes backwards', () => {
    const wheel = new TimerWheel(4, 0);
    expect(advance(wheel, 1000)).toEqual([]);
    wheel.schedule(0, 990);
    wheel.schedule(1, 1005);
    wheel.schedule(2, 1000 + HOUR);
    expect(advance(wheel, 900)).toEqual([]);
    expect(advance(wheel, 995)).toEqual([0]);
    expect(advance(wheel, 1004)).toEqual([]);
    expect(advance(wheel, 1005)).toEqual([1]);
    expect(advance(wheel, 1000 + HOUR)).toEqual([2]);
  });

  describe('nextDeadline', () => {
    it('is never later than the earliest expiry, and after advance later than now', () => {
      const wheel = new TimerWheel(4, 0);
      wheel.schedule(0, 5 * DAY);
      expect(wheel.nextDeadline()).toBeLessThanOrEqual(5 * DAY);
      wheel.schedule(1, 30.5);
      expect(wheel.nextDeadline()).toBeLessThanOrEqual(30.5);
      wheel.schedule(2, 30.25);
      expect(wheel.nextDeadline()).toBeLessThanOrEqual(30.25);
      wheel.cancel(2);
      expect(wheel.nextDeadline()).toBeLessThanOrEqual(30.5);
      expect(advance(wheel, 30.4)).toEqual([]);
      expect(wheel.nextDeadline()).toBeGreaterThan(30.4);
      expect(wheel.nextDeadline()).toBeLessThanOrEqual(30.5);
      expect(advance(wheel, 30.5)).toEqual([1]);
      expect(wheel.nextDeadline()).toBeGreaterThan(30.5);
      expect(wheel.nextDeadline()).toBeLessThanOrEqual(5 * DAY);
      wheel.cancel(0);
      expect(wheel.nextDeadline()).toBe(Number.POSITIVE_INFINITY);
      wheel.schedule(3, HOUR);
      expect(wheel.nextDeadline()).toBeLessThanOrEqual(HOUR);
      expect(wheel.nextDeadline()).toBeGreaterThan(30.5);
    });

    it('follows cancels and reschedules of the earliest slot', () => {
      const wheel = new TimerWheel(3, 0);
      wheel.schedule(0, 10);
      wheel.schedule(1, 20);
      wheel.schedule(2, 2 * DAY);
      expect(wheel.nextDeadline()).toBe(10);
      wheel.cancel(0);
      expect(wheel.nextDeadline()).toBe(20);
      wheel.schedule(1, DAY);
      expect(wheel.nextDeadline()).toBe(DAY);
      wheel.schedule(1, 5);
      expect(wheel.nextDeadline()).toBe(5);
    });

    it('counts slots still due in the current advance', () => {
      const wheel = new TimerWheel(3, 0);
      for (let slot = 0; slot < 3; slot++) wheel.schedule(slot, 10 + slot);
      const seen: { size: number; deadline: number }[] = [];
      wheel.advance(20, () => seen.push({ size: wheel.size, deadline: wheel.nextDeadline() }));
      expect(seen.map(({ size }) => size)).toEqual([2, 1, 0]);
      expect(seen[0]!.deadline).toBeLessThanOrEqual(11);
      expect(seen[1]!.deadline).toBeLessThanOrEqual(12);
      expect(seen[2]!.deadline).toBe(Number.POSITIVE_INFINITY);
    });

    it('tightens after a cancel left it early', () => {
      const wheel = new TimerWheel(2, 0);
      // Both in the same 1 ms bucket, whose bound a cancel does not raise.
      wheel.schedule(0, 10.25);
      wheel.schedule(1, 10.75);
      wheel.cancel(0);
      const deadline = wheel.nextDeadline();
      expect(deadline).toBeLessThanOrEqual(10.75);
      expect(advance(wheel, deadline)).toEqual([]);
      expect(wheel.nextDeadline()).toBe(10.75);
      expect(advance(wheel, 10.75)).toEqual([1]);
    });
  });

  describe('expire callback', () => {
    it('may reschedule the slot it was given', () => {
      const wheel = new TimerWheel(2, 0);
      wheel.schedule(0, 10);
      const periodic = (now: number) => (slot: number) => wheel.schedule(slot, now + 10);
      expect(wheel.advance(10, periodic(10))).toBe(1);
      expect(wheel.has(0)).toBe(true);
      expect(wheel.advance(19, periodic(19))).toBe(0);
      expect(wheel.advance(35, periodic(35))).toBe(1);
      expect(wheel.advance(44, periodic(44))).toBe(0);
      expect(wheel.advance(45, periodic(45))).toBe(1);
      expect(wheel.size).toBe(1);
    });

    it('leaves a slot it schedules in the past for the next advance', () => {
      const wheel = new TimerWheel(4, 0);
      wheel.schedule(0, 10);
      expect(
        wheel.advance(10, (slot) => {
          wheel.schedule(slot, 5);
          wheel.schedule(3, 0);
        }),
      ).toBe(1);
      expect(wheel.size).toBe(2);
      expect(wheel.nextDeadline()).toBeLessThanOrEqual(0);
      expect(advance(wheel, 10)).toEqual([0, 3]);
    });

    it('does not expire a due slot it cancels or moves later', () => {
      const wheel = new TimerWheel(4, 0);
      for (let slot = 0; slot < 4; slot++) wheel.schedule(slot, slot < 2 ? 10 : 2 * HOUR);
      const seen: number[] = [];
      wheel.advance(3 * HOUR, (slot) => {
        seen.push(slot);
        // Each one's partner is due in the same call.
        const partner = slot ^ 1;
        if (slot < 2) wheel.cancel(partner);
        else wheel.schedule(partner, 4 * HOUR);
      });
      expect(seen).toHaveLength(2);
      expect(Math.floor(seen[0]! / 2)).not.toBe(Math.floor(seen[1]! / 2));
      expect(wheel.size).toBe(1);
      const moved = seen.find((slot) => slot >= 2)! ^ 1;
      expect(advance(wheel, 4 * HOUR - 1)).toEqual([]);
      expect(advance(wheel, 4 * HOUR)).toEqual([moved]);
    });

    it('may clear the wheel', () => {
      const wheel = new TimerWheel(10, 0);
      for (let slot = 0; slot < 10; slot++) wheel.schedule(slot, slot * MINUTE);
      expect(wheel.advance(HOUR, () => wheel.clear())).toBe(1);
      expect(wheel.size).toBe(0);
      expect(wheel.nextDeadline()).toBe(Number.POSITIVE_INFINITY);
      wheel.schedule(4, 2 * HOUR);
      expect(advance(wheel, 2 * HOUR)).toEqual([4]);
    });

    it('may grow the wheel', () => {
      const wheel = new TimerWheel(10, 0);
      for (let slot = 0; slot < 10; slot++) wheel.schedule(slot, slot * MINUTE);
      let added = 10;
      expect(
        wheel.advance(HOUR, () => {
          wheel.resize(added + 1);
          wheel.schedule(added++, 2 * HOUR);
        }),
      ).toBe(10);
      expect(wheel.size).toBe(10);
      expect(advance(wheel, 2 * HOUR)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    });

    it('keeps the slots it did not reach when it throws', () => {
      const wheel = new TimerWheel(10, 0);
      for (let slot = 0; slot < 10; slot++) wheel.schedule(slot, slot * 10 * MINUTE);
      const failure = new Error('listener failed');
      expect(() =>
        wheel.advance(2 * HOUR, () => {
          throw failure;
        }),
      ).toThrow(failure);
      expect(wheel.size).toBe(9);
      expect(wheel.nextDeadline()).toBeLessThanOrEqual(2 * HOUR);
      expect(advance(wheel, 2 * HOUR)).toHaveLength(9);
      expect(wheel.size).toBe(0);
    });

    it('may not advance the same wheel', () => {
      const wheel = new TimerWheel(2, 0);
      wheel.schedule(0, 10);
      wheel.schedule(1, 10);
      let caught: unknown;
      const count = wheel.advance(10, () => {
        try {
          wheel.advance(20, () => {});
        } catch (error) {
          caught = error;
        }
      });
      expect(caught).toBeInstanceOf(Error);
      expect(count).toBe(2);
      expect(wheel.size).toBe(0);
    });
  });

  it('keeps schedules when resized', () => {
    const wheel = new TimerWheel(4, 0);
    for (let slot = 0; slot < 4; slot++) wheel.schedule(slot, (slot + 1) * DAY);
    expect(() => wheel.schedule(4, DAY)).toThrow(RangeError);
    wheel.resize(2);
    wheel.resize(4);
    expect(wheel.has(4)).toBe(false);
    wheel.resize(1000);
    expect(wheel.size).toBe(4);
    expect(wheel.has(999)).toBe(false);
    wheel.schedule(999, 30);
    wheel.schedule(4, 2.5 * DAY);
    expect(advance(wheel, 30)).toEqual([999]);
    expect(advance(wheel, 2.5 * DAY)).toEqual([0, 1, 4]);
    expect(advance(wheel, 4 * DAY)).toEqual([2, 3]);
  });

  it('clears everything', () => {
    const wheel = new TimerWheel(100, 0);
    for (let slot = 0; slot < 100; slot++) wheel.schedule(slot, slot * slot * MINUTE - 10);
    wheel.clear();
    expect(wheel.size).toBe(0);
    expect(wheel.has(0)).toBe(false);
    expect(wheel.nextDeadline()).toBe(Number.POSITIVE_INFINITY);
    expect(advance(wheel, 365 * DAY)).toEqual([]);
    wheel.schedule(7, 365 * DAY + 1);
    expect(advance(wheel, 366 * DAY)).toEqual([7]);
  });

  describe('against a reference model', () => {
    /** A time to schedule at, from the past to two months ahead, with ties and level boundaries. */
    function expiryFrom(rng: () => number, now: number): number {
      const r = rng();
      if (r < 0.1) return now - rng() * 2 * SECOND;
      if (r < 0.15) return now;
      if (r < 0.35) return now + rng() * 100;
      if (r < 0.45) return Math.floor(now) + Math.floor(rng() * 200);
      if (r < 0.65) return now + rng() * 10 * MINUTE;
      if (r < 0.9) return now + rng() * 5 * DAY;
      return now + rng() * 60 * DAY;
    }

    /** A step of the clock, mostly small, sometimes days, sometimes backwards. */
    function stepFrom(rng: () => number): number {
      const r = rng();
      if (r < 0.05) return -rng() * 500;
      if (r < 0.1) return 0;
      if (r < 0.3) return rng() * 2;
      if (r < 0.5) return rng() * 100;
      if (r < 0.65) return rng() * 10 * SECOND;
      if (r < 0.8) return rng() * 30 * MINUTE;
      if (r < 0.9) return rng() * 12 * HOUR;
      if (r < 0.98) return rng() * 5 * DAY;
      return rng() * 40 * DAY;
    }

    it.each(BASES.flatMap((base) => [1, 2].map((seed) => [base, seed] as const)))(
      'matches over 10,000 random operations (base %d, seed %d)',
      (base, seed) => {
        const rng = random(seed);
        let capacity = 256;
        const wheel = new TimerWheel(capacity, base);
        const model = new Model();
        let now = base;
        for (let op = 0; op < 10_000; op++) {
          const r = rng();
          if (r < 0.5) {
            const slot = Math.floor(rng() * capacity);
            const at = expiryFrom(rng, now);
            wheel.schedule(slot, at);
            model.times.set(slot, at);
          } else if (r < 0.65) {
            const slot = Math.floor(rng() * capacity);
            wheel.cancel(slot);
            model.times.delete(slot);
          } else if (r < 0.995) {
            now += stepFrom(rng);
            const due = model.due(now);
            const expired: number[] = [];
            const rescheduled = new Map<number, number>();
            const count = wheel.advance(now, (slot) => {
              expired.push(slot);
              // A third of the slots come back, some already due again.
              if (rng() < 0.33) {
                const at = expiryFrom(rng, now);
                wheel.schedule(slot, at);
                rescheduled.set(slot, at);
              }
            });
            expect(count).toBe(expired.length);
            expect(expired.sort((a, b) => a - b)).toEqual(due);
            for (const slot of due) model.times.delete(slot);
            for (const [slot, at] of rescheduled) model.times.set(slot, at);
            if (rescheduled.size === 0) expect(wheel.nextDeadline()).toBeGreaterThan(now);
          } else if (r < 0.998) {
            capacity += Math.floor(rng() * 64);
            wheel.resize(capacity);
          } else {
            wheel.clear();
            model.times.clear();
          }
          expectMatches(wheel, model, capacity);
        }
        // Drain whatever is left.
        now += 400 * DAY;
        expect(advance(wheel, now)).toEqual(model.due(now));
        expect(wheel.size).toBe(0);
      },
    );

    const operation = fc.oneof(
      fc.record({
        kind: fc.constant('schedule' as const),
        slot: fc.nat(31),
        // Offsets from now, biased toward level edges.
        offset: fc.oneof(
          fc.constantFrom(-1, 0, 0.5, 1, 63, 64, 65, 4095, 4096, 2 ** 18, 2 ** 24, 2 ** 30, 2 ** 31),
          fc.double({ min: -2 * SECOND, max: 30 * DAY, noNaN: true }),
          fc.integer({ min: -100, max: 100_000 }),
        ),
      }),
      fc.record({ kind: fc.constant('cancel' as const), slot: fc.nat(31) }),
      fc.record({
        kind: fc.constant('advance' as const),
        step: fc.oneof(
          fc.constantFrom(0, 1, 63, 64, 4096, 2 ** 24, 2 ** 30),
          fc.double({ min: -100, max: 20 * DAY, noNaN: true }),
          fc.integer({ min: 0, max: 200 }),
        ),
      }),
    );

    it('matches on generated operation sequences', () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...BASES),
          fc.array(operation, { maxLength: 200 }),
          (base, operations) => {
            const wheel = new TimerWheel(32, base);
            const model = new Model();
            let now = base;
            for (const operation of operations) {
              if (operation.kind === 'schedule') {
                wheel.schedule(operation.slot, now + operation.offset);
                model.times.set(operation.slot, now + operation.offset);
              } else if (operation.kind === 'cancel') {
                wheel.cancel(operation.slot);
                model.times.delete(operation.slot);
              } else {
                now += operation.step;
                const due = model.due(now);
                expect(advance(wheel, now)).toEqual(due);
                for (const slot of due) model.times.delete(slot);
                expect(wheel.nextDeadline()).toBeGreaterThan(now);
              }
              expectMatches(wheel, model, 32);
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  it('schedules 1,000,000 slots and expires them all', () => {
    const count = 1_000_000;
    const base = 1_700_000_000_000;
    const wheel = new TimerWheel(count, base);
    const rng = random(42);
    const times = new Float64Array(count);
    let earliest = Number.POSITIVE_INFINITY;
    for (let slot = 0; slot < count; slot++) {
      const at = base + rng() * 7 * DAY;
      times[slot] = at;
      if (at < earliest) earliest = at;
      wheel.schedule(slot, at);
    }
    expect(wheel.size).toBe(count);
    expect(wheel.nextDeadline()).toBeLessThanOrEqual(earliest);

    const expired = new Uint8Array(count);
    let early = 0;
    const expire = (now: number) => (slot: number) => {
      expired[slot]!++;
      if (times[slot]! > now) early++;
    };
    const half = base + 3.5 * DAY;
    let dueByHalf = 0;
    for (const at of times) if (at <= half) dueByHalf++;
    expect(wheel.advance(half, expire(half))).toBe(dueByHalf);
    expect(wheel.size).toBe(count - dueByHalf);
    expect(wheel.advance(base + 30 * DAY, expire(base + 30 * DAY))).toBe(count - dueByHalf);
    expect(early).toBe(0);
    expect(expired.every((calls) => calls === 1)).toBe(true);
    expect(wheel.size).toBe(0);
    expect(wheel.nextDeadline()).toBe(Number.POSITIVE_INFINITY);
  });
});
