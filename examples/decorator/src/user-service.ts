/**
 * A plain service class: `@cached` from `@larder/core` caches what its methods return,
 * keyed by class, method and arguments (`UserService#find(1)`).
 */
import { cached, decoratorEngine } from '@larder/core';

export interface User {
  id: number;
  name: string;
}

export class UserService {
  /** How many times each method really ran, to tell hits from misses. */
  readonly runs = { find: 0, slug: 0 };
  readonly #users = new Map<number, User>([
    [1, { id: 1, name: 'Ada Lovelace' }],
    [2, { id: 2, name: 'Grace Hopper' }],
  ]);

  /** Async: concurrent calls for one id run once; a missing user is returned but not stored. */
  @cached({
    ttl: '1m',
    tags: (id: number) => [`user:${id}`],
    condition: (user: User | undefined) => user !== undefined,
  })
  async find(id: number): Promise<User | undefined> {
    this.runs.find++;
    await new Promise((resolve) => setImmediate(resolve)); // a database round trip
    return this.#users.get(id);
  }

  /** Sync: stays synchronous, the cached value is returned as is (a copy). */
  @cached('10m')
  slug(name: string): string {
    this.runs.slug++;
    return name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  }

  /** A write: drops the cached `find` of that user by its tag. */
  async rename(id: number, name: string): Promise<void> {
    const user = this.#users.get(id);
    if (user === undefined) return;
    user.name = name;
    await decoratorEngine().invalidate({ tags: [`user:${id}`] });
  }
}
