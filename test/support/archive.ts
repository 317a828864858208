import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { openEmbedded } from '../../local/compose.js';
import type { Embedded } from '../../local/compose.js';
import { parseCoreConfig } from '../../shared/config.js';
import type { Logger } from '../../shared/ports/logger.js';
import type { RawSource } from '../../shared/intake/ingest-message.js';
import { ManualClock } from './clock.js';

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

export interface TestArchive extends Embedded {
  clock: ManualClock;
  dir: string;
  reopen(): TestArchive;
  destroy(): Promise<void>;
}

/** A whole embedded archive in a temp dir, on a manual clock. */
export async function tempArchive(core: Record<string, unknown> = {}, dir?: string, clock = new ManualClock()): Promise<TestArchive> {
  const dataDir = dir ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'coffer-archive-')));
  const archive = openEmbedded({ dataDir, core: parseCoreConfig(core), logger: silentLogger, clock });
  return Object.assign(archive, {
    clock,
    dir: dataDir,
    reopen(): TestArchive {
      archive.close();
      const again = openEmbedded({ dataDir, core: parseCoreConfig(core), logger: silentLogger, clock });
      return Object.assign(again, { clock, dir: dataDir, reopen: this.reopen, destroy: this.destroy });
    },
    async destroy() {
      try {
        archive.close();
      } catch {
        // already closed by reopen()
      }
      await fsp.rm(dataDir, { recursive: true, force: true });
    },
  });
}

export function bytesSource(bytes: Uint8Array): RawSource {
  return {
    async *open() {
      yield bytes;
    },
  };
}
