import { readFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { unwrapJournalReport } from '../../shared/journal/journal-report.js';
import type { JournalFields, JournalRecipient, JournalUnwrap } from '../../shared/journal/journal-report.js';
import { corpusPath } from '../support/corpus.js';
import { buildJournalReport } from '../support/journal.js';
import type { JournalReportOptions } from '../support/journal.js';
import { composeMail } from '../support/mail.js';

function report(result: JournalUnwrap): Extract<JournalUnwrap, { kind: 'report' }> {
  if (result.kind !== 'report') throw new Error(`expected a report, got ${JSON.stringify(result)}`);
  return result;
}

function malformed(result: JournalUnwrap): Extract<JournalUnwrap, { kind: 'malformed' }> {
  if (result.kind !== 'malformed') throw new Error(`expected malformed, got ${result.kind}`);
  return result;
}

/** Edits a generated report as bytes (latin1 round-trips every byte); the text must occur once. */
function replaceOnce(message: Buffer, from: string, to: string): Buffer {
  const text = message.toString('latin1');
  const at = text.indexOf(from);
  if (at === -1 || text.indexOf(from, at + 1) !== -1) throw new Error(`expected exactly one ${JSON.stringify(from)}`);
  return Buffer.from(text.slice(0, at) + to + text.slice(at + from.length), 'latin1');
}

const toLf = (b: Buffer) => Buffer.from(b.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');

async function simpleOriginal(messageId = '<m1@example.com>'): Promise<Buffer> {
  return composeMail({ from: 'Alice <alice@example.com>', to: 'bob@example.com', cc: 'carol@example.com', subject: 'Quarterly numbers', text: 'Hello Bob', messageId });
}

async function options(overrides: Partial<JournalReportOptions> = {}): Promise<JournalReportOptions> {
  return {
    original: await simpleOriginal(),
    sender: 'alice@example.com',
    subject: 'Quarterly numbers',
    messageId: '<m1@example.com>',
    recipients: [{ address: 'bob@example.com', kind: 'to' }],
    ...overrides,
  };
}

/** A message with 8-bit bytes (latin1 é, a 0xff, a NUL-free binary-ish run) and CRLF. */
const EIGHT_BIT = Buffer.concat([
  Buffer.from('From: Zoë <zoe@example.com>\r\nTo: bob@example.com\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\nMessage-ID: <8bit@example.com>\r\n', 'utf8'),
  Buffer.from('MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n', 'latin1'),
  Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0d, 0x0a, 0xff, 0xfe, 0x80, 0x20, 0x0d, 0x0a, 0x2d, 0x2d, 0x0d, 0x0a]),
]);

describe('unwrapJournalReport: the real Exchange Online samples', () => {
  const samples: { file: string; sender: string; subject: string; messageId: string; recipient: string }[] = [
    {
      file: 'ace-ecosystem-ACE__o365_journaled.eml',
      sender: 'ap@someothercompany.com',
      subject: 'INVOICE PDL-06-38776',
      messageId: '13268020124593518925.93733CB7019D1C46@company.com',
      recipient: 'lulu.zingzing@company.com',
    },
    {
      file: 'ace-ecosystem-ACE__pdf_attachment.eml',
      sender: 'unixfreak0037@gmail.com',
      subject: 'canary #1',
      messageId: 'CANTOGZuWahvYOEr0NwPELF5ASriGNWjfVsWhMSE_ekiSVw1RbA@mail.gmail.com',
      recipient: 'jwdavison@company.com',
    },
    {
      file: 'ace-ecosystem-ACE__extra_message_id.eml',
      sender: 'jrobinson@company.com',
      subject: '[POTENTIAL PHISH] FW: URGENT RFQ-03167218 IGOL MEF project 2018',
      messageId: 'MW2PR16MB224997B938FB40AA00214DACA8590@MW2PR16MB2249.namprd16.prod.outlook.com',
      recipient: 'ashphish@integraldefense.com',
    },
    {
      file: 'ace-ecosystem-ACE__phish_me.eml',
      sender: 'cware@company.com',
      subject: '[POTENTIAL PHISH] Testing 1-2- 3',
      messageId: 'DM5PR2001MB1033AC6DF60D6EE45B25631DBB530@DM5PR2001MB1033.namprd20.prod.outlook.com',
      recipient: 'valvphish@integraldefense.com',
    },
    {
      file: 'ace-ecosystem-ACE__splunk_logging.eml',
      sender: 'unixfreak0037@gmail.com',
      subject: 'canary #3',
      messageId: 'CANTOGZsMiMb+7aB868zXSen_fO=NS-qFTUMo9h2eHtOexY8Qhw@mail.gmail.com',
      recipient: 'jwdavison@company.com',
    },
  ];

  for (const sample of samples) {
    it(`${sample.file}: fields, and the original is an exact slice carrying the same Message-ID`, async () => {
      const file = readFileSync(corpusPath('journal', sample.file));
      const result = report(unwrapJournalReport(file));
      expect(result.fields).toEqual<JournalFields>({
        sender: sample.sender,
        onBehalfOf: null,
        subject: sample.subject,
        messageId: sample.messageId,
        recipients: [{ address: sample.recipient, kind: 'recipient' }],
        unknownLines: [],
      });
      expect(result.decrypted).toBeNull();
      expect(file.indexOf(result.original)).toBeGreaterThan(0);
      // The original ends where its own close delimiter line ends; the report's LF before "--boundary--" is not part of it.
      expect(result.original.subarray(-3).toString('latin1')).toBe('--\n');
      const parsed = await simpleParser(result.original);
      expect(parsed.messageId).toBe(`<${sample.messageId}>`);
    });
  }

  it('still finds the report when the sample arrives with CRLF line endings (as from SES)', () => {
    const file = readFileSync(corpusPath('journal', 'ace-ecosystem-ACE__o365_journaled.eml'));
    const crlf = Buffer.from(file.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
    const result = report(unwrapJournalReport(crlf));
    expect(result.fields.recipients).toEqual([{ address: 'lulu.zingzing@company.com', kind: 'recipient' }]);
    expect(result.original.subarray(-4).toString('latin1')).toBe('--\r\n');
    expect(crlf.indexOf(result.original)).toBeGreaterThan(0);
  });
});

describe('unwrapJournalReport: generated reports', () => {
  it('a single recipient, with the outer headers of a real report', async () => {
    const opts = await options();
    const built = buildJournalReport(opts);
    expect(built.toString('latin1')).toMatch(/^X-MS-Journal-Report:$/m);
    const result = report(unwrapJournalReport(built));
    expect(result.fields).toEqual<JournalFields>({
      sender: 'alice@example.com',
      onBehalfOf: null,
      subject: 'Quarterly numbers',
      messageId: 'm1@example.com',
      recipients: [{ address: 'bob@example.com', kind: 'to' }],
      unknownLines: [],
    });
    expect(result.original.equals(opts.original)).toBe(true);
    expect(result.decrypted).toBeNull();
  });

  it('To, Cc, Bcc and Recipient lines, lower-cased, in report order, duplicates removed', async () => {
    const recipients: JournalRecipient[] = [
      { address: 'Bob@Example.com', kind: 'to' },
      { address: 'carol@example.com', kind: 'cc' },
      { address: 'secret@example.com', kind: 'bcc' },
      { address: 'bob@example.com', kind: 'to' },
      { address: 'bob@example.com', kind: 'cc' },
      { address: 'unknown@example.com', kind: 'recipient' },
    ];
    const result = report(unwrapJournalReport(buildJournalReport(await options({ recipients, onBehalfOf: 'Boss@Example.com' }))));
    expect(result.fields.onBehalfOf).toBe('boss@example.com');
    expect(result.fields.recipients).toEqual([
      { address: 'bob@example.com', kind: 'to' },
      { address: 'carol@example.com', kind: 'cc' },
      { address: 'secret@example.com', kind: 'bcc' },
      { address: 'bob@example.com', kind: 'cc' },
      { address: 'unknown@example.com', kind: 'recipient' },
    ]);
  });

  it('Expanded and Forwarded annotations; the same address via another list is another entry', async () => {
    const recipients: JournalRecipient[] = [
      { address: 'dave@example.com', kind: 'to', expandedFrom: 'Sales@Example.com' },
      { address: 'dave@example.com', kind: 'to', expandedFrom: 'all@example.com' },
      { address: 'erin@example.com', kind: 'recipient', forwardedFrom: 'frank@example.com' },
      { address: 'gina@example.com', kind: 'cc', expandedFrom: 'sales@example.com', forwardedFrom: 'hal@example.com' },
      { address: 'dave@example.com', kind: 'to', expandedFrom: 'sales@example.com' },
    ];
    const result = report(unwrapJournalReport(buildJournalReport(await options({ recipients }))));
    expect(result.fields.recipients).toEqual([
      { address: 'dave@example.com', kind: 'to', expandedFrom: 'sales@example.com' },
      { address: 'dave@example.com', kind: 'to', expandedFrom: 'all@example.com' },
      { address: 'erin@example.com', kind: 'recipient', forwardedFrom: 'frank@example.com' },
      { address: 'gina@example.com', kind: 'cc', expandedFrom: 'sales@example.com', forwardedFrom: 'hal@example.com' },
    ]);
  });

  it('keeps unknown lines and recipient lines with unknown annotations, verbatim', async () => {
    const extraLines = ['X-Future-Field: something', 'Recipient: zed@example.com, Redirected: y@example.com', 'free text line'];
    const result = report(unwrapJournalReport(buildJournalReport(await options({ extraLines }))));
    expect(result.fields.unknownLines).toEqual(extraLines);
    expect(result.fields.recipients).toEqual([{ address: 'bob@example.com', kind: 'to' }]);
  });

  for (const crlf of [true, false]) {
    it(`${crlf ? 'CRLF' : 'LF'} report around ${crlf ? 'LF' : 'CRLF'} and ${crlf ? 'CRLF' : 'LF'} originals`, async () => {
      for (const original of [await simpleOriginal(), toLf(await simpleOriginal())]) {
        const built = buildJournalReport(await options({ original, crlf }));
        const result = report(unwrapJournalReport(built));
        expect(result.original.equals(original)).toBe(true);
        expect(built.indexOf(result.original)).toBeGreaterThan(0);
        expect(result.fields.recipients).toEqual([{ address: 'bob@example.com', kind: 'to' }]);
      }
    });
  }

  for (const encoding of ['base64', 'quoted-printable'] as const) {
    it(`a ${encoding} message/rfc822 part is decoded to the original bytes`, async () => {
      for (const original of [await simpleOriginal(), EIGHT_BIT]) {
        const built = buildJournalReport(await options({ original, originalEncoding: encoding, crlf: true }));
        expect(built.indexOf(original)).toBe(-1);
        expect(report(unwrapJournalReport(built)).original.equals(original)).toBe(true);
      }
    });
  }

  for (const encoding of ['base64', 'quoted-printable'] as const) {
    it(`a ${encoding} utf-8 report part is decoded`, async () => {
      const subject = 'Grüße – 東京 = café';
      const result = report(unwrapJournalReport(buildJournalReport(await options({ subject, reportEncoding: encoding }))));
      expect(result.fields.subject).toBe(subject);
      expect(result.fields.recipients).toHaveLength(1);
    });
  }

  it('protected mail: the first message/rfc822 is the original (as sent), the second the decrypted copy', async () => {
    const encrypted = await composeMail({
      from: 'alice@example.com',
      to: 'bob@example.com',
      subject: 'Protected',
      messageId: '<rms@example.com>',
      headers: { 'Content-Class': 'rpmsg.message' },
      text: 'This message is protected.',
      attachments: [{ filename: 'message.rpmsg', contentType: 'application/x-microsoft-rpmsg-message', content: Buffer.from([1, 2, 3, 250]) }],
    });
    const decrypted = await composeMail({ from: 'alice@example.com', to: 'bob@example.com', subject: 'Protected', messageId: '<rms@example.com>', text: 'The secret plan.' });
    for (const originalEncoding of [undefined, 'base64'] as const) {
      const built = buildJournalReport(await options({ original: encrypted, decrypted, messageId: 'rms@example.com', ...(originalEncoding ? { originalEncoding } : {}) }));
      const result = report(unwrapJournalReport(built));
      expect(result.original.equals(encrypted)).toBe(true);
      expect(result.decrypted?.equals(decrypted)).toBe(true);
    }
  });

  it('an original with its own nested message/rfc822 and lines that look like the boundary but are not', async () => {
    const inner = await composeMail({ from: 'x@example.org', to: 'alice@example.com', subject: 'inner', text: 'inner body', messageId: '<inner@example.org>' });
    const original = await composeMail({
      from: 'Alice <alice@example.com>',
      to: 'bob@example.com',
      subject: 'Fwd: inner',
      messageId: '<outer@example.com>',
      text: 'see below\r\n--journal-boundaryX\r\n--journal-boundary-- trailing\r\n --journal-boundary\r\n-- \r\nAlice',
      attachments: [{ filename: 'fwd.eml', contentType: 'message/rfc822', content: inner }],
    });
    expect(original.toString('latin1')).toContain('\r\n--journal-boundaryX\r\n');
    const built = buildJournalReport(await options({ original, boundary: 'journal-boundary', messageId: 'outer@example.com' }));
    const result = report(unwrapJournalReport(built));
    expect(result.original.equals(original)).toBe(true);
    expect(result.decrypted).toBeNull();
  });

  it('reads the boundary quoted or not, among other parameters in any order, folded or not', async () => {
    const built = buildJournalReport(await options({ boundary: 'b1' }));
    const variants = [
      'Content-Type: multipart/mixed; boundary=b1',
      'Content-Type: multipart/mixed; charset=us-ascii; boundary=b1 ; x="a;b"',
      'Content-Type: MULTIPART/MIXED;\n  x-other="boundary=nope";\n\tBoundary="b1"',
      'content-type: multipart/mixed; boundary*0="b"; boundary*1="1"',
    ];
    for (const header of variants) {
      const variant = replaceOnce(built, 'Content-Type: multipart/mixed;\n\tboundary="b1"', header);
      expect(report(unwrapJournalReport(variant)).original.length).toBeGreaterThan(0);
    }
  });

  it('detects field names case-insensitively and the Exchange 2003 Content-Identifier marker', async () => {
    const built = buildJournalReport(await options());
    expect(unwrapJournalReport(replaceOnce(built, 'X-MS-Journal-Report:', 'x-ms-journal-report: yes')).kind).toBe('report');
    expect(unwrapJournalReport(buildJournalReport(await options({ legacy: true }))).kind).toBe('report');
    const folded = replaceOnce(buildJournalReport(await options({ legacy: true })), 'Content-Identifier: exjournalreport', 'CONTENT-IDENTIFIER:\n ExJournalReport');
    expect(unwrapJournalReport(folded).kind).toBe('report');
    const lowerFields = replaceOnce(built, 'Message-Id: <m1@example.com>', 'MESSAGE-ID: <m1@example.com>');
    expect(report(unwrapJournalReport(lowerFields)).fields.messageId).toBe('m1@example.com');
  });

  it('an empty or <> Sender is no sender, not an error (bounces)', async () => {
    const built = buildJournalReport(await options({ sender: '<>' }));
    expect(report(unwrapJournalReport(built)).fields.sender).toBeNull();
  });
});

describe('unwrapJournalReport: not journal mail', () => {
  it('ordinary mail, even when a journal marker appears in its body or in an attached message', async () => {
    expect(unwrapJournalReport(await simpleOriginal())).toEqual({ kind: 'not-journal' });
    const mentions = await composeMail({ from: 'a@example.com', to: 'b@example.com', subject: 'x', text: 'X-MS-Journal-Report:\nContent-Identifier: exjournalreport' });
    expect(unwrapJournalReport(mentions)).toEqual({ kind: 'not-journal' });
    const forwardsReport = await composeMail({
      from: 'a@example.com',
      to: 'b@example.com',
      subject: 'fwd report',
      attachments: [{ filename: 'r.eml', contentType: 'message/rfc822', content: buildJournalReport(await options()) }],
    });
    expect(unwrapJournalReport(forwardsReport)).toEqual({ kind: 'not-journal' });
    expect(unwrapJournalReport(Buffer.alloc(0))).toEqual({ kind: 'not-journal' });
    expect(unwrapJournalReport(Buffer.from('X-Not-MS-Journal-Report: 1\r\n\r\n'))).toEqual({ kind: 'not-journal' });
  });
});

describe('unwrapJournalReport: malformed reports', () => {
  const header = 'Content-Type: multipart/mixed;\n\tboundary="b1"';

  it('not multipart', async () => {
    const built = replaceOnce(buildJournalReport(await options({ boundary: 'b1' })), header, 'Content-Type: text/plain');
    expect(malformed(unwrapJournalReport(built))).toEqual({ kind: 'malformed', reason: expect.stringContaining('not multipart'), fields: null });
    const noType = replaceOnce(buildJournalReport(await options({ boundary: 'b1' })), `${header}\n`, '');
    expect(malformed(unwrapJournalReport(noType)).reason).toContain('Content-Type');
  });

  it('no boundary, or a boundary that never occurs', async () => {
    const built = buildJournalReport(await options({ boundary: 'b1' }));
    expect(malformed(unwrapJournalReport(replaceOnce(built, header, 'Content-Type: multipart/mixed'))).reason).toContain('no boundary');
    expect(malformed(unwrapJournalReport(replaceOnce(built, header, 'Content-Type: multipart/mixed; boundary=b2'))).reason).toContain('no delimiter');
  });

  it('no text/plain report part', async () => {
    const built = replaceOnce(buildJournalReport(await options()), 'Content-Type: text/plain; charset="us-ascii"', 'Content-Type: application/octet-stream');
    const result = malformed(unwrapJournalReport(built));
    expect(result.reason).toContain('no text/plain report part');
    expect(result.fields).toBeNull();
  });

  it('no message/rfc822 part, with the fields that could be read', async () => {
    const built = replaceOnce(buildJournalReport(await options()), 'Content-Type: message/rfc822', 'Content-Type: application/octet-stream');
    const result = malformed(unwrapJournalReport(built));
    expect(result.reason).toContain('no message/rfc822 part');
    expect(result.fields?.messageId).toBe('m1@example.com');
  });

  it('no recipient lines', async () => {
    const result = malformed(unwrapJournalReport(buildJournalReport(await options({ recipients: [] }))));
    expect(result.reason).toContain('no recipient');
    expect(result.fields?.sender).toBe('alice@example.com');
  });

  it('garbled field lines', async () => {
    for (const line of ['To:', 'Cc: not an address', 'To: a@example.com, Expanded:', 'Bcc: a@example.com, dl@example.com', 'Recipient: <>', 'Sender: two words']) {
      const result = malformed(unwrapJournalReport(buildJournalReport(await options({ extraLines: [line] }))));
      expect(result.reason).toContain('garbled');
      expect(result.fields?.recipients).toEqual([{ address: 'bob@example.com', kind: 'to' }]);
    }
    const conflicting = malformed(unwrapJournalReport(buildJournalReport(await options({ extraLines: ['Message-Id: <other@example.com>'] }))));
    expect(conflicting.reason).toContain('conflicting Message-Id');
  });

  it('unterminated multipart: a truncated original is malformed, a truncated trailing part is not', async () => {
    const built = buildJournalReport(await options({ boundary: 'b1' }));
    const noClose = built.subarray(0, built.lastIndexOf('--b1--'));
    expect(malformed(unwrapJournalReport(noClose)).reason).toContain('unterminated');
    const cut = built.subarray(0, built.length - 40);
    const result = malformed(unwrapJournalReport(cut));
    expect(result.reason).toContain('truncated');
    expect(result.fields?.recipients).toHaveLength(1);

    const decrypted = Buffer.from('Subject: d\n\nplain\n');
    const protectedReport = buildJournalReport(await options({ boundary: 'b1', decrypted }));
    expect(malformed(unwrapJournalReport(protectedReport.subarray(0, protectedReport.lastIndexOf('--b1--')))).reason).toContain('decrypted');

    const trailing = replaceOnce(built, '--b1--\n', '--b1\nContent-Type: text/plain\n\ntrailer, cut off');
    const kept = report(unwrapJournalReport(trailing));
    expect(kept.original.equals((await options()).original)).toBe(true);
  });

  it('an empty message/rfc822 part', async () => {
    const result = malformed(unwrapJournalReport(buildJournalReport(await options({ original: Buffer.alloc(0) }))));
    expect(result.reason).toContain('empty');
  });
});

describe('buildJournalReport / unwrapJournalReport round trip', () => {
  it('returns every original byte for byte', async () => {
    const originals: Buffer[] = [
      await simpleOriginal(),
      toLf(await simpleOriginal()),
      EIGHT_BIT,
      Buffer.from('Subject: no trailing newline\r\n\r\nbody without end'),
      Buffer.from('Subject: ends with blank lines\n\nbody\n\n\n'),
      await composeMail({
        from: 'a@example.com',
        to: 'b@example.com',
        subject: 'attachment',
        text: 'see attached',
        attachments: [{ filename: 'bin.dat', content: Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff)) }],
      }),
    ];
    for (const original of originals) {
      for (const crlf of [true, false]) {
        for (const originalEncoding of [undefined, '8bit', 'base64', 'quoted-printable'] as const) {
          const built = buildJournalReport(await options({ original, crlf, ...(originalEncoding ? { originalEncoding } : {}) }));
          const result = report(unwrapJournalReport(built));
          expect(result.original.equals(original), `${originalEncoding ?? 'none'} crlf=${crlf}`).toBe(true);
          if (originalEncoding === undefined || originalEncoding === '8bit') expect(built.indexOf(result.original)).toBeGreaterThan(0);
        }
      }
    }
  });
});
