import { createReadStream, createWriteStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import MailComposer from 'nodemailer/lib/mail-composer';
import { bytesSource, tempArchive } from '../support/archive.js';
import type { TestArchive } from '../support/archive.js';
import { collect, sha256 } from '../support/bytes.js';
import { composeMail } from '../support/mail.js';
import { DAY } from '../support/clock.js';
import { messageKey } from '../../shared/intake/keys.js';
import { IngestMessage } from '../../shared/intake/ingest-message.js';
import type { IntakeDeps } from '../../shared/intake/ingest-message.js';

const intakeDeps = (a: TestArchive): IntakeDeps => ({
  blobs: a.blobs,
  catalog: a.catalog,
  index: a.index,
  clock: a.clock,
  ids: { next: () => Math.random().toString(36).slice(2) },
  logger: a.logger,
  config: a.config,
});

describe('intake', () => {
  let archive: TestArchive;
  beforeEach(async () => {
    archive = await tempArchive({ retentionDays: 10, internalDomains: ['example.com'] });
  });
  afterEach(async () => {
    await archive.destroy();
  });

  const ingest = (bytes: Uint8Array, rcptTo: string[] = []) =>
    archive.ingest.execute({ source: bytesSource(bytes), from: 'smtp', envelope: { mailFrom: 'alice@example.com', rcptTo }, origin: 'test' });

  it('archives a message under the SHA-256 of its exact bytes, with retention from the default policy', async () => {
    const mail = await composeMail({ from: 'Alice <alice@example.com>', to: 'bob@other.example', subject: 'Budget', text: 'Numbers attached.' });
    const result = await ingest(mail, ['bob@other.example']);
    expect(result).toMatchObject({ id: sha256(mail), size: mail.length, messageCreated: true, deliveryCreated: true, parseStatus: 'ok' });
    const record = await archive.read.record(result.id);
    expect(record).toMatchObject({
      subject: 'Budget',
      from: [{ address: 'alice@example.com', name: 'Alice' }],
      envelopeRecipients: ['bob@other.example'],
      // The internal sender and the envelope recipient are the custodians.
      custodians: ['alice@example.com', 'bob@other.example'],
      retainUntil: new Date(archive.clock.now().getTime() + 10 * DAY).toISOString(),
    });
    expect(await collect((await archive.read.raw(result.id)).body)).toEqual(mail);
    const head = await archive.blobs.head(messageKey(result.id));
    expect(head?.retainUntil.toISOString()).toBe(record.retainUntil);
  });

  it('stores the same bytes once and records each delivery, merging envelope recipients', async () => {
    const mail = await composeMail({ from: 'alice@example.com', to: 'team@example.com', subject: 'Offsite', text: 'Friday.' });
    const first = await ingest(mail, ['bob@example.com']);
    archive.clock.advance(60_000);
    const second = await ingest(mail, ['carol@example.com']);
    expect(second).toMatchObject({ id: first.id, messageCreated: false, deliveryCreated: true });
    expect(await archive.catalog.countMessages()).toBe(1);
    const deliveries = await archive.read.deliveries(first.id);
    expect(deliveries.map((d) => d.envelope.rcptTo)).toEqual([['bob@example.com'], ['carol@example.com']]);
    // Each delivery's envelope record is in the write-once store, readable as evidence.
    for (const d of deliveries) {
      const evidence = JSON.parse(Buffer.from(await archive.blobs.getBytes(d.evidenceKey)).toString('utf8'));
      expect(evidence).toMatchObject({ id: d.id, messageSha256: first.id, envelope: d.envelope, source: 'smtp' });
    }
    const found = await archive.search.execute({ query: 'participants:carol@example.com' });
    expect(found.hits.map((h) => h.id)).toEqual([first.id]);
  });

  it('records the retention the store holds when copies of one message race in a batch', async () => {
    // Regression: each copy computed its own retain-until; the record took the first copy's,
    // the store kept whichever put won, and rebuild then disagreed by a millisecond.
    const mail = await composeMail({ from: 'alice@example.com', to: 'bob@example.com', subject: 'Race', text: 'x' });
    const ticking = { now: () => (archive.clock.advance(1), archive.clock.now()) };
    const racing = new IngestMessage({ ...intakeDeps(archive), clock: ticking });
    const source = { from: 'import' as const, envelope: { mailFrom: null, rcptTo: [] }, origin: 'test' };
    await racing.executeMany([1, 2, 3].map(() => ({ ...source, source: bytesSource(mail) })));
    const record = await archive.read.record(sha256(mail));
    const head = await archive.blobs.head(messageKey(sha256(mail)));
    expect(record.retainUntil).toBe(head?.retainUntil.toISOString());
  });

  it('archives a message mailparser cannot parse, flags it, and keeps it findable by its headers', async () => {
    // More MIME parts than the parse limit allows makes mailparser give up.
    const boundary = 'b0undary';
    const parts = Array.from({ length: 30 }, (_, i) => `--${boundary}\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join('');
    const mail = Buffer.from(
      `From: Mallory <mallory@evil.example>\r\nSubject: Invoice overdue\r\nMessage-ID: <broken-1@evil.example>\r\n` +
        `MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n${parts}--${boundary}--\r\n`,
    );
    await archive.destroy();
    archive = await tempArchive({ parseLimits: { maxHeadBytes: 65536, maxParts: 5, maxHtmlChars: 1000, maxIndexedTextChars: 1000 } });
    const result = await ingest(mail);
    expect(result.parseStatus).toBe('failed');
    const record = await archive.read.record(result.id);
    expect(record.parseError).toMatch(/\S/);
    expect(record).toMatchObject({ subject: 'Invoice overdue', messageId: 'broken-1@evil.example', parseStatus: 'failed' });
    expect(await collect((await archive.read.raw(result.id)).body)).toEqual(mail);
    const found = await archive.search.execute({ query: 'subject:invoice from:mallory@evil.example' });
    expect(found.hits.map((h) => h.id)).toEqual([result.id]);
  });

  it('archives bytes that are not mail at all', async () => {
    const junk = Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0a, 0x0a, 0x80]);
    const result = await ingest(junk);
    expect(await collect((await archive.read.raw(result.id)).body)).toEqual(junk);
    expect(await archive.catalog.countMessages()).toBe(1);
  });

  it('refuses a message over the size limit before storing anything', async () => {
    await archive.destroy();
    archive = await tempArchive({ maxMessageBytes: 1000 });
    await expect(ingest(Buffer.alloc(1001, 'a'))).rejects.toMatchObject({ code: 'MESSAGE.TOO_LARGE' });
    expect(await archive.catalog.countMessages()).toBe(0);
  });

  it('records attachments with SHA-256 checksums of their decoded bytes', async () => {
    const pdf = Buffer.from('%PDF-1.4 fake contract');
    const mail = await composeMail({
      from: 'alice@example.com',
      to: 'bob@example.com',
      subject: 'Contract',
      text: 'See attached.',
      attachments: [
        { filename: 'contract.pdf', content: pdf, contentType: 'application/pdf' },
        { filename: 'logo.png', content: Buffer.from('png'), contentType: 'image/png', cid: 'logo@x' },
      ],
      html: '<p>See attached.</p><img src="cid:logo@x">',
    });
    const { id } = await ingest(mail);
    const record = await archive.read.record(id);
    expect(record.attachments).toEqual([
      { index: 0, name: 'logo.png', type: 'image/png', size: 3, sha256: sha256('png'), inline: true },
      { index: 1, name: 'contract.pdf', type: 'application/pdf', size: pdf.length, sha256: sha256(pdf), inline: false },
    ]);
    expect(record.hasAttachments).toBe(true);
  });
});

describe('intake of a very large message', () => {
  it('streams a 60 MB message into the store without holding copies of it in memory', async () => {
    const archive = await tempArchive();
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'coffer-big-'));
    const file = path.join(dir, 'big.eml');
    try {
      // 45 MB of attachment base64-encodes to about 60 MB of message.
      const chunk = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 7919) % 251;
      const attachment = (async function* () {
        for (let i = 0; i < 45; i++) yield chunk;
      })();
      const mail = new MailComposer({
        from: 'alice@example.com',
        to: 'bob@example.com',
        subject: 'Big scan',
        text: 'The scan.',
        attachments: [{ filename: 'scan.bin', content: (await import('node:stream')).Readable.from(attachment) }],
      });
      await pipeline(mail.compile().createReadStream(), createWriteStream(file));
      const size = (await fsp.stat(file)).size;
      expect(size).toBeGreaterThan(60 * 1000 * 1000);

      global.gc?.();
      const before = process.memoryUsage();
      let peak = 0;
      const sampler = setInterval(() => {
        const m = process.memoryUsage();
        peak = Math.max(peak, m.heapUsed + m.arrayBuffers - before.heapUsed - before.arrayBuffers);
      }, 5);
      const result = await archive.ingest.execute({
        source: { open: () => createReadStream(file) },
        from: 'import',
        envelope: { mailFrom: null, rcptTo: [] },
        origin: file,
      });
      clearInterval(sampler);

      const expected = sha256(await fsp.readFile(file));
      expect(result.id).toBe(expected);
      // Less than one copy of the message in memory at any time (heap + buffers above the start,
      // uncollected garbage included; a buffering parser would hold two copies or more).
      expect(peak).toBeLessThan(size);
      const record = await archive.read.record(result.id);
      expect(record.attachments[0]).toMatchObject({ name: 'scan.bin', size: 45 * 1024 * 1024 });
      const hash = (await import('node:crypto')).createHash('sha256');
      for await (const part of (await archive.read.raw(result.id)).body) hash.update(part);
      expect(hash.digest('hex')).toBe(expected);
      expect((await archive.blobs.verify(messageKey(result.id))).ok).toBe(true);
    } finally {
      await archive.destroy();
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});
