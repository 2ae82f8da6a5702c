import { Presets, SingleBar } from 'cli-progress';

/**
 * The progress bar of the operator CLIs (`npm run adjust`, `import`, `reconcile`), on stderr so
 * stdout stays the summary. Not a terminal (CI, a log file): a line every few seconds instead
 * of redrawing.
 */
export function progressBar(total: number): { update(done: number): void; stop(): void } {
  const bar = new SingleBar(
    {
      format: '{bar} {percentage}% | {value}/{total} | ETA {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 200,
      noTTYOutput: true,
      notTTYSchedule: 5000,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (done) => bar.update(done), stop: () => bar.stop() };
}
