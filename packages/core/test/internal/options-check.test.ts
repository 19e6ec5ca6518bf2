import { describe, expect, it } from 'vitest';
import { Cache, ConfigError, checkOptions, MemoryStore, persist, TieredStore } from '../../src/index.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('checkOptions', () => {
  it('returns the options object when every key is known', () => {
    const options = { a: 1, b: undefined };
    expect(checkOptions(options, ['a', 'b'])).toBe(options);
  });

  it('names the first unknown option, its value and the known names', () => {
    const error = configError(() => checkOptions({ a: 1, colour: 'red' }, ['a', 'b']));
    expect(error.option).toBe('colour');
    expect(error.value).toBe('red');
    expect(error.message).toBe('Invalid option colour: expected a known option (a, b), got "red"');
  });

  it('refuses a value that is no object, naming the bag', () => {
    expect(configError(() => checkOptions(null, ['a'])).option).toBe('options');
    expect(configError(() => checkOptions(5, ['a'], 'breaker')).message).toBe(
      'Invalid option breaker: expected an object, got 5',
    );
  });

  it('dots the names of unknown keys of a nested bag', () => {
    expect(configError(() => checkOptions({ cooldwn: 1 }, ['cooldown'], 'breaker')).option).toBe(
      'breaker.cooldwn',
    );
  });
});

describe('every public entry of core refuses an unknown option the same way', () => {
  const entries: [string, () => unknown][] = [
    ['MemoryStore', () => new MemoryStore({ maxEntrys: 5 } as never)],
    ['TieredStore', () => new TieredStore({ l2: new MemoryStore(), l3: 1 } as never)],
  ];
  for (const [name, make] of entries) {
    it(name, () => {
      const error = configError(make);
      expect(error.message).toMatch(/^Invalid option \w+: expected a known option \(/);
    });
  }
});

it('persist rejects an unknown option the same way', async () => {
  const error = await persist(new Cache({ max: 1 }), { dir: '/tmp', fsync: 'always' } as never).catch(
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).option).toBe('fsync');
});
