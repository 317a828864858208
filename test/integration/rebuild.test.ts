import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusPath } from '../support/corpus.js';
import { coffer, cofferJson } from '../support/cli.js';
import { composeMail } from '../support/mail.js';
import { bytesSource, silentLogger, tempArchive } from '../support/archive.js';
import { sha256 } from '../support/bytes.js';
import { messageKey } from '../../shared/intake/keys.js';
import { openEmbedded, derivedFiles } from '../../local/compose.js';
import { parseCoreConfig } from '../../shared/config.js';
import type { SearchOutput } from '../../shared/search/search-messages.js';

const QUERIES = [
  'from:alice@example.com',
  'participants:counsel@lawfirm.example',
  'subject:merger OR subject:test',
  'has:attachment',
  'sent:2024-03',
  'NOT subject:merger',
  'attachment:*.pdf',
  'body:the',
];

describe('coffer rebuild', () => {
  let dataDir: string;
  const before = new Map<string, string[]>();
  let deliveriesBefore: Map<string, unknown[]>;

  beforeAll(async () => {
    dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'coffer-rebuild-'));
    const imported = await cofferJson<{ failed: number }>(['import', corpusPath('fixtures', 'mailparser'), corpusPath('fixtures', 'postal-mime'), '--data', dataDir]);
    expect(imported.failed).toBe(0);
    const archive = openEmbedded({ dataDir, core: parseCoreConfig({}), logger: silentLogger });
    const merger = await composeMail({ from: 'alice@example.com', to: 'bob@example.com', subject: 'Merger terms', text: 'Draft attached.', attachments: [{ filename: 'terms.pdf', content: 'pdf' }] });
    for (const rcpt of ['bob@example.com', 'counsel@lawfirm.example']) {
      await archive.ingest.execute({ source: bytesSource(merger), from: 'smtp', envelope: { mailFrom: 'alice@example.com', rcptTo: [rcpt] }, origin: 'test' });
    }
    for (const q of QUERIES) before.set(q, await allIds(archive, q));
    deliveriesBefore = await allDeliveries(archive);
    archive.close();
  }, 600_000);
  afterAll(async () => {
    await fsp.rm(dataDir, { recursive: true, force: true });
  });

  it('restores catalog and index from the store alone: same searches, same deliveries', async () => {
    expect(before.get('participants:counsel@lawfirm.example')).toHaveLength(1);
    for (const file of derivedFiles(dataDir)) await fsp.rm(file, { force: true });
    const result = await coffer(['rebuild', '--data', dataDir, '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout.toString()) as { messages: number; orphans: number };
    expect(report.orphans).toBe(0);

    const archive = openEmbedded({ dataDir, core: parseCoreConfig({}), logger: silentLogger });
    try {
      expect(report.messages).toBe(await archive.catalog.countMessages());
      for (const q of QUERIES) expect({ q, ids: await allIds(archive, q) }).toEqual({ q, ids: before.get(q) });
      expect(await allDeliveries(archive)).toEqual(deliveriesBefore);
    } finally {
      archive.close();
    }
  }, 600_000);
});

async function allIds(archive: ReturnType<typeof openEmbedded>, query: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page: SearchOutput = await archive.search.execute({ query, limit: 500, ...(cursor ? { cursor } : {}) });
    ids.push(...page.hits.map((h) => h.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids.sort();
}

async function allDeliveries(archive: ReturnType<typeof openEmbedded>): Promise<Map<string, unknown[]>> {
  const map = new Map<string, unknown[]>();
  let cursor: string | undefined;
  do {
    const page = await archive.catalog.listMessageIds({ limit: 500, ...(cursor ? { cursor } : {}) });
    for (const id of page.items) map.set(id, await archive.catalog.listDeliveries(id));
    cursor = page.nextCursor;
  } while (cursor);
  return map;
}

describe('coffer rebuild after a crash between storing the bytes and the envelope record', () => {
  it('recovers the message under a delivery that says its envelope record is missing', async () => {
    const archive = await tempArchive();
    try {
      const raw = await composeMail({ from: 'alice@example.com', to: 'bob@example.com', subject: 'Orphaned', text: 'x' });
      const id = sha256(raw);
      await archive.blobs.put(messageKey(id), raw, { sha256: id, retainUntil: new Date(Date.now() + 86_400_000) });
      const report = await archive.rebuild.execute();
      expect(report).toMatchObject({ messages: 1, orphans: 1, deliveries: 0 });
      expect((await archive.read.record(id)).subject).toBe('Orphaned');
      const [delivery] = await archive.read.deliveries(id);
      expect(delivery?.origin).toContain('no envelope record');
      expect((await archive.search.execute({ query: 'subject:orphaned' })).hits.map((h) => h.id)).toEqual([id]);
    } finally {
      await archive.destroy();
    }
  });
});
