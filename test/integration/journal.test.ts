import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { buildJournalReport } from '../support/journal.js';
import { composeMail } from '../support/mail.js';
import { sha256 } from '../support/bytes.js';
import { coffer, cofferJson } from '../support/cli.js';
import { corpusPath } from '../support/corpus.js';
import { silentLogger } from '../support/archive.js';
import { derivedFiles, openEmbedded } from '../../local/compose.js';
import type { Embedded } from '../../local/compose.js';
import { startServer } from '../../local/serve.js';
import type { RunningServer } from '../../local/serve.js';
import { parseCoreConfig } from '../../shared/config.js';
import type { Delivery, MessageRecord } from '../../shared/domain/records.js';

/** One original, journaled by Exchange as three reports (recipient bifurcation and DL expansion). */
async function splitReports() {
  const original = await composeMail({
    from: 'Carol CFO <carol@corp.example>',
    to: 'board@corp.example',
    cc: 'dave@corp.example',
    subject: 'Q3 restatement',
    text: 'The numbers must be restated before the filing.',
    messageId: '<restatement-1@corp.example>',
  });
  const common = { original, sender: 'carol@corp.example', subject: 'Q3 restatement', messageId: 'restatement-1@corp.example' };
  const reports = [
    buildJournalReport({ ...common, recipients: [{ address: 'ann@corp.example', kind: 'to', expandedFrom: 'board@corp.example' }, { address: 'dave@corp.example', kind: 'cc' }] }),
    buildJournalReport({ ...common, recipients: [{ address: 'counsel@lawfirm.example', kind: 'bcc' }], crlf: true }),
    buildJournalReport({ ...common, recipients: [{ address: 'eve@corp.example', kind: 'recipient', forwardedFrom: 'dave@corp.example' }] }),
  ];
  return { original, reports };
}

const EVERY_RECIPIENT = ['ann@corp.example', 'dave@corp.example', 'counsel@lawfirm.example', 'eve@corp.example'];

describe('journal reports through coffer import', () => {
  let dataDir: string;
  let inbox: string;
  let original: Buffer;
  let reports: Buffer[];

  beforeAll(async () => {
    dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'coffer-journal-'));
    inbox = await fsp.mkdtemp(path.join(os.tmpdir(), 'coffer-journal-in-'));
    ({ original, reports } = await splitReports());
    for (const [i, report] of reports.entries()) await fsp.writeFile(path.join(inbox, `report-${i}.eml`), report);
    const summary = await cofferJson<{ stored: number; duplicates: number; failed: number }>(['import', inbox, '--data', dataDir]);
    expect(summary).toMatchObject({ stored: 1, duplicates: 2, failed: 0 });
  });
  afterAll(async () => {
    await fsp.rm(dataDir, { recursive: true, force: true });
    await fsp.rm(inbox, { recursive: true, force: true });
  });

  it('archives the original, not the wrapper: one message whose id is the SHA-256 of its bytes', async () => {
    const id = sha256(original);
    const raw = await coffer(['get', id, '--raw', '--data', dataDir]);
    expect(raw.stdout.equals(original)).toBe(true);
    const record = await cofferJson<MessageRecord & { deliveries: Delivery[] }>(['get', id, '--data', dataDir]);
    expect(record).toMatchObject({ subject: 'Q3 restatement', journalStatus: 'ok' });
    expect(record.deliveries).toHaveLength(3);
    expect([...record.custodians].sort()).toEqual([...EVERY_RECIPIENT].sort());
    expect(record.journalRecipients).toEqual(
      expect.arrayContaining([
        { address: 'counsel@lawfirm.example', kind: 'bcc' },
        { address: 'ann@corp.example', kind: 'to', expandedFrom: 'board@corp.example' },
        { address: 'eve@corp.example', kind: 'recipient', forwardedFrom: 'dave@corp.example' },
      ]),
    );
  });

  it('finds the message by every recipient of any report, Bcc included', async () => {
    const id = sha256(original);
    const ids = async (query: string) => (await cofferJson<{ hits: { id: string }[] }>(['search', query, '--data', dataDir])).hits.map((h) => h.id);
    expect(await ids('bcc:counsel@lawfirm.example')).toEqual([id]);
    for (const recipient of EVERY_RECIPIENT) expect({ recipient, ids: await ids(`participants:${recipient}`) }).toEqual({ recipient, ids: [id] });
    expect(await ids('custodian:eve@corp.example')).toEqual([id]);
    // The journal mailbox and the report wrapper are not what is archived.
    expect(await ids('participants:journal.ndr@corp.example')).toEqual([]);
  });

  it('keeps every report as received, retrievable per delivery', async () => {
    const id = sha256(original);
    const record = await cofferJson<{ deliveries: Delivery[] }>(['get', id, '--data', dataDir]);
    const received: string[] = [];
    for (const delivery of record.deliveries) {
      expect(delivery.journal?.status).toBe('ok');
      const evidence = await coffer(['get', id, '--evidence', delivery.id, '--data', dataDir]);
      expect(evidence.code).toBe(0);
      expect(sha256(evidence.stdout)).toBe(delivery.journal?.reportSha256);
      received.push(sha256(evidence.stdout));
    }
    expect(received.sort()).toEqual(reports.map((r) => sha256(r)).sort());
  });
});

describe('journal reports after coffer rebuild', () => {
  it('restores journal recipients and Bcc searches from the store alone', async () => {
    const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'coffer-journal-rebuild-'));
    const inbox = await fsp.mkdtemp(path.join(os.tmpdir(), 'coffer-journal-rebuild-in-'));
    try {
      const { original, reports } = await splitReports();
      for (const [i, report] of reports.entries()) await fsp.writeFile(path.join(inbox, `r${i}.eml`), report);
      await cofferJson(['import', inbox, '--data', dataDir]);
      const before = await cofferJson<MessageRecord>(['get', sha256(original), '--data', dataDir]);
      for (const file of derivedFiles(dataDir)) await fsp.rm(file, { force: true });
      expect((await coffer(['rebuild', '--data', dataDir])).code).toBe(0);
      const after = await cofferJson<MessageRecord>(['get', sha256(original), '--data', dataDir]);
      expect({ ...after, received: before.received }).toEqual(before);
      const hits = await cofferJson<{ hits: { id: string }[] }>(['search', 'bcc:counsel@lawfirm.example', '--data', dataDir]);
      expect(hits.hits.map((h) => h.id)).toEqual([sha256(original)]);
    } finally {
      await fsp.rm(dataDir, { recursive: true, force: true });
      await fsp.rm(inbox, { recursive: true, force: true });
    }
  });
});

describe('journal reports through the SMTP intake and the API', () => {
  let dataDir: string;
  let archive: Embedded;
  let server: RunningServer;

  beforeAll(async () => {
    dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'coffer-journal-smtp-'));
    archive = openEmbedded({ dataDir, core: parseCoreConfig({}), logger: silentLogger });
    server = await startServer(archive, { host: '127.0.0.1', httpPort: 0, smtpPort: 0 });
  });
  afterAll(async () => {
    await server.close();
    archive.close();
    await fsp.rm(dataDir, { recursive: true, force: true });
  });

  it('merges split reports sent over SMTP to the journal address into one message', async () => {
    const { original, reports } = await splitReports();
    const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: server.smtpPort, secure: false, ignoreTLS: true });
    for (const raw of reports) {
      await smtp.sendMail({ envelope: { from: 'journal.ndr@corp.example', to: ['journal@archive.example'] }, raw });
    }
    const id = sha256(original);
    const headers = { authorization: `Bearer ${server.adminToken ?? ''}`, 'content-type': 'application/json' };
    const base = `http://127.0.0.1:${server.httpPort}`;
    const search = async (query: string) =>
      ((await (await fetch(`${base}/v1/search`, { method: 'POST', headers, body: JSON.stringify({ query }) })).json()) as { hits: { id: string }[] }).hits.map((h) => h.id);
    expect(await search('bcc:counsel@lawfirm.example')).toEqual([id]);
    expect(await search('participants:ann@corp.example')).toEqual([id]);
    // The SMTP envelope named the journal mailbox: it is not a custodian.
    expect(await search('custodian:journal@archive.example')).toEqual([]);
    const { deliveries } = (await (await fetch(`${base}/v1/messages/${id}/deliveries`, { headers })).json()) as { deliveries: Delivery[] };
    expect(deliveries).toHaveLength(3);
    const first = deliveries[0];
    const evidence = await fetch(`${base}/v1/messages/${id}/deliveries/${first?.id ?? ''}/evidence`, { headers });
    expect(evidence.headers.get('content-type')).toBe('message/rfc822');
    expect(sha256(Buffer.from(await evidence.arrayBuffer()))).toBe(first?.journal?.reportSha256);
  });
});

describe('journal edge cases', () => {
  let dataDir: string;
  let archive: Embedded;
  beforeAll(async () => {
    dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'coffer-journal-edge-'));
    archive = openEmbedded({ dataDir, core: parseCoreConfig({}), logger: silentLogger });
  });
  afterAll(async () => {
    archive.close();
    await fsp.rm(dataDir, { recursive: true, force: true });
  });
  const ingest = (bytes: Buffer) =>
    archive.ingest.execute({ source: { open: async function* () { yield bytes; } }, from: 'smtp', envelope: { mailFrom: null, rcptTo: ['journal@archive.example'] }, origin: 'test' });

  it('archives a malformed report as it is, flagged with the reason, and still searchable', async () => {
    const original = await composeMail({ from: 'x@corp.example', to: 'y@corp.example', subject: 'Lost wrapper', text: 'hi' });
    const good = buildJournalReport({ original, sender: 'x@corp.example', subject: 'Lost wrapper', messageId: 'lost@corp.example', recipients: [{ address: 'y@corp.example', kind: 'to' }] });
    // Cut the report before its attached original: the message/rfc822 part is missing.
    const text = good.toString('latin1');
    const broken = Buffer.from(text.slice(0, text.indexOf('message/rfc822') - 'Content-Type: '.length), 'latin1');
    const result = await ingest(broken);
    expect(result.id).toBe(sha256(broken));
    const record = await archive.read.record(result.id);
    expect(record.journalStatus).toBe('malformed');
    expect(record.journalError).toMatch(/\S/);
    expect((await archive.search.execute({ query: 'subject:"lost wrapper"' })).hits.map((h) => h.id)).toEqual([result.id]);
  });

  it('archives both copies of protected mail, links them, and finds the original by the decrypted text', async () => {
    const encrypted = await composeMail({
      from: 'hr@corp.example',
      to: 'frank@corp.example',
      subject: 'Protected: offer letter',
      text: 'This message is protected with Microsoft Purview Message Encryption.',
      attachments: [{ filename: 'message.rpmsg', content: Buffer.from([1, 2, 3, 4]), contentType: 'application/x-microsoft-rpmsg-message' }],
    });
    const decrypted = await composeMail({ from: 'hr@corp.example', to: 'frank@corp.example', subject: 'Protected: offer letter', text: 'Salary of ninety zorkmids, starting Monday.' });
    const report = buildJournalReport({ original: encrypted, decrypted, sender: 'hr@corp.example', subject: 'Protected: offer letter', messageId: 'offer@corp.example', recipients: [{ address: 'frank@corp.example', kind: 'to' }] });
    const result = await ingest(report);
    expect(result.id).toBe(sha256(encrypted));
    const record = await archive.read.record(result.id);
    expect(record.decryptedCopyId).toBe(sha256(decrypted));
    expect((await archive.read.record(sha256(decrypted))).decryptedCopyOf).toBe(sha256(encrypted));
    const found = (await archive.search.execute({ query: 'zorkmids' })).hits.map((h) => h.id).sort();
    expect(found).toEqual([sha256(encrypted), sha256(decrypted)].sort());
  });

  it('records the recipient a Google Workspace copy names in X-Gm-Original-To', async () => {
    const copy = Buffer.concat([Buffer.from('X-Gm-Original-To: grace@corp.example\r\n'), await composeMail({ from: 'a@ext.example', to: 'team@corp.example', subject: 'Google copy', text: 'x' })]);
    const result = await ingest(copy);
    const [delivery] = await archive.read.deliveries(result.id);
    expect(delivery?.headerRecipients).toEqual(['grace@corp.example']);
    expect((await archive.search.execute({ query: 'custodian:grace@corp.example' })).hits.map((h) => h.id)).toEqual([result.id]);
  });

  it('unwraps the real Exchange Online reports of the corpus', async () => {
    const summary = await cofferJson<{ stored: number; failed: number; parseFailed: number }>(['import', corpusPath('journal'), '--data', dataDir]);
    expect(summary).toMatchObject({ stored: 5, failed: 0 });
    const records = (await archive.search.execute({ query: 'NOT subject:zorkmids', limit: 500 })).hits;
    const unwrapped = await Promise.all(records.map((h) => archive.read.record(h.id)));
    const fromCorpus = unwrapped.filter((r) => r.journalRecipients.some((j) => j.kind === 'recipient'));
    expect(fromCorpus.length).toBeGreaterThanOrEqual(5);
    for (const record of fromCorpus) {
      expect(record.journalStatus).toBe('ok');
      expect(record.messageId).not.toContain('journal.report.generator');
    }
  });
});
