import { Presets, SingleBar } from 'cli-progress';

/**
 * A progress bar on stderr for the phases of a run (reading a trace, replaying it). Does nothing
 * when disabled, so callers report progress unconditionally.
 */
export class Progress {
  readonly #bar: SingleBar | undefined;
  #running = false;

  /**
   * @param enabled - draw the bar (the CLI enables it when stderr is a TTY, or with `--progress`).
   * @param stream - where to draw. @default process.stderr
   */
  constructor(enabled: boolean, stream: NodeJS.WriteStream = process.stderr) {
    this.#bar = enabled
      ? new SingleBar(
          {
            stream,
            format: '{phase} |{bar}| {percentage}% | ETA {eta_formatted}',
            hideCursor: true,
            clearOnComplete: true,
            // Without a TTY, still print (every 2 s) when --progress asked for it.
            noTTYOutput: !stream.isTTY,
            etaBuffer: 50,
          },
          Presets.shades_classic,
        )
      : undefined;
  }

  /** Starts a new phase, replacing the previous one. `total` is in whatever unit `update` counts. */
  phase(label: string, total: number): void {
    if (this.#bar === undefined) return;
    if (this.#running) this.#bar.stop();
    this.#bar.start(Math.max(total, 1), 0, { phase: label });
    this.#running = true;
  }

  /** Progress within the current phase. */
  update(value: number): void {
    if (this.#running) this.#bar?.update(value);
  }

  /** Removes the bar. */
  stop(): void {
    if (this.#running) this.#bar?.stop();
    this.#running = false;
  }
}
