import { createHash } from 'node:crypto';
import type { JournalRecipient } from '../../shared/journal/journal-report.js';

/** Transfer encodings a generated report may apply to its message/rfc822 parts. */
export type PartEncoding = '7bit' | '8bit' | 'binary' | 'base64' | 'quoted-printable';

export interface JournalReportOptions {
  /** The journaled message, attached byte for byte (or transfer-encoded, see `originalEncoding`). */
  original: Buffer;
  sender: string;
  subject: string;
  /** With or without angle brackets; written as `Message-Id: <id>`. */
  messageId: string;
  /** One line each: `To: a`, `Cc: a`, `Bcc: a`, `Recipient: a`, then `, Expanded: dl` / `, Forwarded: f`. */
  recipients: JournalRecipient[];
  onBehalfOf?: string;
  /** Protected (RMS/OME) mail: the decrypted copy, attached as a second message/rfc822 part. */
  decrypted?: Buffer;
  /** CRLF line endings for the report's own lines (as SES delivers); LF otherwise (as the samples). */
  crlf?: boolean;
  /** Written verbatim after the recipient lines of the report part. */
  extraLines?: string[];
  originalEncoding?: PartEncoding;
  /** Default: 7bit for ASCII fields, quoted-printable (utf-8) otherwise. */
  reportEncoding?: '7bit' | 'base64' | 'quoted-printable';
  /** Default: an Exchange-like `_<uuid>_` derived from the original. */
  boundary?: string;
  /** Exchange 2003: `Content-Identifier: exjournalreport` instead of `X-MS-Journal-Report:`. */
  legacy?: boolean;
}

const KIND_LABEL = { to: 'To', cc: 'Cc', bcc: 'Bcc', recipient: 'Recipient' } as const;

/** The report lines for these recipients, exactly as Exchange writes them. */
export function recipientLine(r: JournalRecipient): string {
  let line = `${KIND_LABEL[r.kind]}: ${r.address}`;
  if (r.expandedFrom !== undefined) line += `, Expanded: ${r.expandedFrom}`;
  if (r.forwardedFrom !== undefined) line += `, Forwarded: ${r.forwardedFrom}`;
  return line;
}

/**
 * An Exchange (Online) envelope journal report in the documented format, laid out like the real
 * ones: outer headers copy the original's From/To/Subject, `X-MS-Journal-Report:` empty, a
 * Message-ID at journal.report.generator, `Auto-Submitted: auto-generated`; multipart/mixed with a
 * text/plain report part then the original (and the decrypted copy) as message/rfc822.
 */
export function buildJournalReport(options: JournalReportOptions): Buffer {
  const eol = options.crlf ? '\r\n' : '\n';
  const seed = createHash('sha256').update(options.original).update(options.messageId).digest('hex');
  const uuid = (offset: number) => {
    const h = seed.slice(offset, offset + 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  };
  const boundary = options.boundary ?? `_${uuid(0)}_`;
  const messageId = options.messageId.replace(/^<|>$/g, '');
  const copied = copyHeaderLines(options.original, ['subject', 'to', 'from'], eol);

  const headers = [
    `Content-Type: multipart/mixed;${eol}\tboundary="${boundary}"`,
    ...(copied.has('subject') ? [copied.get('subject') as string] : [`Subject: ${options.subject}`]),
    ...(copied.has('to') ? [copied.get('to') as string] : []),
    copied.get('from') ?? `From: <${options.sender}>`,
    'MIME-Version: 1.0',
    `Sender:${eol}\t<MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.onmicrosoft.com>`,
    `Message-ID: <${uuid(32)}@journal.report.generator>`,
    'Date: Tue, 05 Mar 2024 09:30:01 +0000',
    'X-MS-PublicTrafficType: Email',
    options.legacy ? 'Content-Identifier: exjournalreport' : 'X-MS-Journal-Report:',
    `X-MS-Exchange-Parent-Message-Id:${eol}\t<${messageId}>`,
    'Auto-Submitted: auto-generated',
    'X-MS-Exchange-Generated-Message-Source: Journal Agent',
    'X-MS-TrafficTypeDiagnostic: BN6PR22MB0131:JournalingReport',
  ];

  const lines = [
    `Sender: ${options.sender}`,
    `Subject: ${options.subject}`,
    `Message-Id: <${messageId}>`,
    ...(options.onBehalfOf !== undefined ? [`On-Behalf-Of: ${options.onBehalfOf}`] : []),
    ...options.recipients.map(recipientLine),
    ...(options.extraLines ?? []),
  ];
  const reportText = lines.map((l) => l + eol).join('');
  const ascii = !/[^\x20-\x7e\t\r\n]/.test(reportText);
  const reportEncoding = options.reportEncoding ?? (ascii ? '7bit' : 'quoted-printable');
  const reportBody =
    reportEncoding === '7bit' ? Buffer.from(reportText, 'utf8') : encodeTransfer(Buffer.from(reportText, 'utf8'), reportEncoding, eol);

  const rfc822Part = (body: Buffer, encoding: PartEncoding | undefined): Buffer[] => [
    Buffer.from(
      `--${boundary}${eol}Content-Type: message/rfc822${eol}` +
        (encoding === undefined ? '' : `Content-Transfer-Encoding: ${encoding}${eol}`) +
        eol,
      'latin1',
    ),
    encodeTransfer(body, encoding ?? '7bit', eol),
    Buffer.from(eol, 'latin1'),
  ];

  return Buffer.concat([
    Buffer.from(headers.join(eol) + eol + eol, 'latin1'),
    Buffer.from(
      `--${boundary}${eol}Content-Type: text/plain; charset="${ascii ? 'us-ascii' : 'utf-8'}"${eol}` +
        `Content-Transfer-Encoding: ${reportEncoding}${eol}${eol}`,
      'latin1',
    ),
    reportBody,
    Buffer.from(eol, 'latin1'),
    ...rfc822Part(options.original, options.originalEncoding),
    ...(options.decrypted ? rfc822Part(options.decrypted, options.originalEncoding) : []),
    Buffer.from(`--${boundary}--${eol}`, 'latin1'),
  ]);
}

/** The named header fields of a message, raw (folding kept), re-joined with `eol`. */
function copyHeaderLines(message: Buffer, names: string[], eol: string): Map<string, string> {
  const text = message.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const lines = (end === -1 ? text : text.slice(0, end)).split(/\r?\n/);
  const fields: string[][] = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && fields.length > 0) fields[fields.length - 1]?.push(line);
    else fields.push([line]);
  }
  const out = new Map<string, string>();
  for (const field of fields) {
    const name = (field[0] ?? '').split(':')[0]?.trim().toLowerCase() ?? '';
    if (names.includes(name) && !out.has(name)) out.set(name, field.join(eol));
  }
  return out;
}

/** Encodes a part body; 7bit/8bit/binary leave the bytes untouched. */
export function encodeTransfer(body: Buffer, encoding: PartEncoding | 'quoted-printable', eol: string): Buffer {
  if (encoding === 'base64') {
    const b64 = body.toString('base64');
    const lines: string[] = [];
    for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
    return Buffer.from(lines.join(eol), 'latin1');
  }
  if (encoding === 'quoted-printable') return Buffer.from(encodeQuotedPrintable(body, eol), 'latin1');
  return body;
}

/** Quoted-printable that keeps the body's own line breaks (LF or CRLF) as hard breaks, so decoding is exact. */
function encodeQuotedPrintable(body: Buffer, eol: string): string {
  let out = '';
  let lineLength = 0;
  const emit = (token: string) => {
    if (lineLength + token.length > 75) {
      out += `=${eol}`;
      lineLength = 0;
    }
    out += token;
    lineLength += token.length;
  };
  for (let i = 0; i < body.length; i++) {
    const byte = body[i] as number;
    if (byte === 0x0a) {
      out += '\n';
      lineLength = 0;
      continue;
    }
    if (byte === 0x0d && body[i + 1] === 0x0a) {
      out += '\r\n';
      lineLength = 0;
      i++;
      continue;
    }
    const next = body[i + 1];
    const beforeBreak = next === undefined || next === 0x0a || next === 0x0d;
    const literal = (byte >= 0x21 && byte <= 0x7e && byte !== 0x3d) || ((byte === 0x20 || byte === 0x09) && !beforeBreak);
    emit(literal ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`);
  }
  return out;
}
