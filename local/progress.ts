import { SingleBar, Presets } from 'cli-progress';
import type { ImportSummary } from './import/run-import.js';

/** A progress line on a terminal; nothing when output is piped or --json is asked for. */
export function progressReporter(enabled: boolean): { update: (s: ImportSummary) => void; stop: () => void } {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    { format: 'importing {value} messages | {stored} stored, {duplicates} duplicates, {failed} failed | {rate}/s', stream: process.stderr },
    Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(0, 0, { stored: 0, duplicates: 0, failed: 0, rate: 0 });
  let last = 0;
  return {
    update(s) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const done = s.stored + s.duplicates + s.failed;
      bar.setTotal(Math.max(s.messages, done));
      bar.update(done, { stored: s.stored, duplicates: s.duplicates, failed: s.failed, rate: Math.round(done / ((now - started) / 1000 || 1)) });
    },
    stop: () => bar.stop(),
  };
}
