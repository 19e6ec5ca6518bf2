import type { HttpCache, HttpCacheStats, InvalidateOptions } from '@larder/core';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { LARDER_ENGINE } from './tokens.js';

/**
 * The module's cache, injectable anywhere once `LarderModule.forRoot` is imported (it is global):
 * invalidate by key, URL or tag after a write, read the counters, clear.
 *
 * ```ts
 * constructor(private readonly cache: LarderService) {}
 * async update(id: string) {
 *   await this.items.save(id);
 *   await this.cache.invalidate({ tags: [`item:${id}`] });
 * }
 * ```
 */
@Injectable()
export class LarderService implements OnModuleDestroy {
  constructor(@Inject(LARDER_ENGINE) readonly engine: HttpCache) {}

  /**
   * Remove entries: by cache `key`, by `url` (a path with its query, as the client asked for it) or
   * by `tags` (any of them). With the Redis tier, every process of the fleet drops them too.
   * Resolves the number of entries removed from this process's store.
   */
  invalidate(options: InvalidateOptions): Promise<number> {
    return this.engine.invalidate(options);
  }

  /** Remove the entries of one URL: short for `invalidate({ url })`. */
  invalidateUrl(url: string): Promise<number> {
    return this.engine.invalidate({ url });
  }

  /** Remove the entries tagged with any of `tags`: short for `invalidate({ tags })`. */
  invalidateTags(...tags: string[]): Promise<number> {
    return this.engine.invalidate({ tags });
  }

  /** The engine's counters: hits, misses, stores, passes, ... */
  stats(): HttpCacheStats {
    return this.engine.stats();
  }

  /** Remove every entry. */
  clear(): Promise<void> {
    return this.engine.clear();
  }

  /** Nest calls it on `app.close()`: releases the store, its timers and the Redis tier's connections. */
  onModuleDestroy(): Promise<void> {
    return this.engine.close();
  }
}
