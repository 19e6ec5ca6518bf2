/**
 * Hit-for-pass memory (as Varnish's hit-for-pass, not its hit-for-miss): keys whose last response
 * could not be stored. For a short while their requests pass: straight to the origin instead of
 * queueing behind a fill that will not produce anything to share, and nothing they get is stored.
 */

/** A bounded map from key to the time its pass expires. */
export class HitForPass {
  readonly #until = new Map<string, number>();
  readonly #duration: number;
  readonly #max: number;

  /**
   * @param duration How long a key passes after an uncacheable response, in ms; 0 disables.
   * @param max Most keys remembered; the oldest are forgotten first. @defaultValue 10_000
   */
  constructor(duration: number, max = 10_000) {
    this.#duration = duration;
    this.#max = max;
  }

  /** Keys remembered (some may have expired and not yet been pruned). */
  get size(): number {
    return this.#until.size;
  }

  /** Remember that `key` produced an uncacheable response at `now`. */
  mark(key: string, now: number): void {
    if (this.#duration <= 0) return;
    // re-insert so that Map order stays oldest-first for pruning
    this.#until.delete(key);
    this.#until.set(key, now + this.#duration);
    if (this.#until.size > this.#max) {
      const oldest = this.#until.keys().next();
      if (!oldest.done) this.#until.delete(oldest.value);
    }
  }

  /** Whether `key` should pass at `now`; forgets it once expired. */
  has(key: string, now: number): boolean {
    const until = this.#until.get(key);
    if (until === undefined) return false;
    if (now < until) return true;
    this.#until.delete(key);
    return false;
  }

  /** Forget `key` (it was stored, or invalidated). */
  delete(key: string): void {
    this.#until.delete(key);
  }

  /** Forget everything. */
  clear(): void {
    this.#until.clear();
  }
}
