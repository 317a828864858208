import { createReadStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusPath } from '../support/corpus.js';
import { cofferJson, coffer } from '../support/cli.js';
import { collect, sha256 } from '../support/bytes.js';
import { splitMbox } from '../../local/import/mbox.js';
import { openEmbedded } from '../../local/compose.js';
import { parseCoreConfig } from '../../shared/config.js';
import { silentLogger } from '../support/archive.js';
import type { ImportSummary } from '../../local/import/run-import.js';

/** Maildir folders hold one message per file, whatever the file is called. */
const inMaildir = (dir: string) => ['cur', 'new'].includes(path.basename(dir));

/** Every message of the fixture corpus, computed here from the files: path → SHA-256. */
async function expectedMessages(root: string): Promise<Map<string, string>> {
  const expected = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.name.endsWith('.eml') || inMaildir(dir)) expected.set(full, sha256(await fsp.readFile(full)));
      else if (entry.name.endsWith('.mbox')) {
        let n = 0;
        for await (const part of splitMbox(createReadStream(full))) {
          if (part.type === 'message') expected.set(`${full}#${++n}`, sha256(part.message));
        }
      }
    }
  };
  await walk(root);
  return expected;
}

describe('coffer import of the MIME fixture corpus (../shared/corpus/fixtures)', () => {
  const fixtures = corpusPath('fixtures');
  let dataDir: string;
  let first: ImportSummary;
  let expected: Map<string, string>;

  beforeAll(async () => {
    dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'coffer-corpus-'));
    expected = await expectedMessages(fixtures);
    first = await cofferJson<ImportSummary>(['import', fixtures, '--data', dataDir]);
  }, 600_000);
  afterAll(async () => {
    await fsp.rm(dataDir, { recursive: true, force: true });
  });

  it('finds every .eml file and every mbox message and loses none', async () => {
    const emlCount = [...expected.keys()].filter((k) => k.endsWith('.eml')).length;
    expect(emlCount).toBe(1158);
    expect(first.failed).toBe(0);
    expect(first.failures).toEqual([]);
    expect(first.messages).toBe(expected.size);
    // Byte-identical copies across parser projects are one message with two deliveries.
    const distinct = new Set(expected.values()).size;
    expect(first.stored).toBe(distinct);
    expect(first.duplicates).toBe(expected.size - distinct);
  });

  it('returns every message byte-identical to its source', async () => {
    const archive = openEmbedded({ dataDir, core: parseCoreConfig({}), logger: silentLogger });
    try {
      const missing: string[] = [];
      for (const [origin, id] of expected) {
        const record = await archive.catalog.getMessage(id);
        if (!record) {
          missing.push(origin);
          continue;
        }
        const bytes = await collect((await archive.read.raw(id)).body);
        if (sha256(bytes) !== id) missing.push(`${origin} (bytes differ)`);
      }
      expect(missing).toEqual([]);
      // Unparseable fixtures are flagged, and still counted among the archived.
      expect(await archive.catalog.countMessages()).toBe(new Set(expected.values()).size);
    } finally {
      archive.close();
    }
  });

  it('adds no message on a second import and records the second deliveries', async () => {
    const again = await cofferJson<ImportSummary>(['import', fixtures, '--data', dataDir]);
    expect(again).toMatchObject({ stored: 0, failed: 0, messages: expected.size, duplicates: expected.size });
    const archive = openEmbedded({ dataDir, core: parseCoreConfig({}), logger: silentLogger });
    try {
      expect(await archive.catalog.countMessages()).toBe(new Set(expected.values()).size);
      expect(await archive.catalog.countDeliveries()).toBe(2 * expected.size);
    } finally {
      archive.close();
    }
  }, 600_000);

  it('passes coffer verify, which catches a byte flipped on disk', async () => {
    const clean = await coffer(['verify', '--data', dataDir, '--json']);
    expect(clean.code).toBe(0);
    const id = [...expected.values()][0] ?? '';
    const file = path.join(dataDir, 'store', 'messages', id.slice(0, 2), `${id}.gz`);
    const bytes = await fsp.readFile(file);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    await fsp.chmod(file, 0o644);
    await fsp.writeFile(file, bytes);
    const broken = await coffer(['verify', '--data', dataDir, '--json']);
    expect(broken.code).toBe(1);
    const report = JSON.parse(broken.stdout.toString()) as { problems: { id: string; problem: string }[] };
    expect(report.problems).toEqual([expect.objectContaining({ id, problem: expect.stringMatching(/mismatch|unreadable/) })]);
  }, 600_000);
});
