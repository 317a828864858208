import { Readable } from 'node:stream';
import { MailParser, simpleParser } from 'mailparser';
import type { AddressObject, AttachmentStream, EmailAddress, HeaderValue, Headers, MessageText } from 'mailparser';
import type { Address, AttachmentInfo, ParseStatus } from '../domain/records.js';
import type { ParseLimits } from './parse-limits.js';

/** What the intake learns from a message's bytes; everything the record and index need. */
export interface ParsedMessage {
  status: ParseStatus;
  error: string | null;
  messageId: string | null;
  date: Date | null;
  subject: string | null;
  from: Address[];
  sender: Address[];
  to: Address[];
  cc: Address[];
  bcc: Address[];
  replyTo: Address[];
  inReplyTo: string | null;
  references: string[];
  text: string;
  textTruncated: boolean;
  attachments: AttachmentInfo[];
}

/**
 * Parses a message with mailparser, streaming: attachment contents are hashed (SHA-256) and
 * dropped as they pass, so a 60 MB attachment is never held in memory. When mailparser fails,
 * the header block alone is parsed so that the message is still findable by its headers.
 */
export async function parseMessage(source: AsyncIterable<Uint8Array>, limits: ParseLimits): Promise<ParsedMessage> {
  const headBytes: Buffer[] = [];
  let headSize = 0;
  // Keep the first bytes aside: if the full parse fails, the header block is parsed from them.
  const tapped = (async function* () {
    for await (const chunk of source) {
      if (headSize < limits.maxHeadBytes) {
        headBytes.push(Buffer.from(chunk));
        headSize += chunk.length;
      }
      yield chunk;
    }
  })();
  try {
    return await parseFull(tapped, limits);
  } catch (err) {
    // Drain what is left so the caller's stream is not left half-read.
    for await (const _ of tapped) void _;
    const reason = err instanceof Error ? err.message : String(err);
    return parseHeadersOnly(Buffer.concat(headBytes), reason, limits);
  }
}

function parseFull(source: AsyncIterable<Uint8Array>, limits: ParseLimits): Promise<ParsedMessage> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser({
      checksumAlgo: 'sha256',
      maxHeadSize: limits.maxHeadBytes,
      maxChildNodes: limits.maxParts,
      maxHtmlLengthToParse: limits.maxHtmlChars,
      skipTextToHtml: true,
      skipImageLinks: true,
      skipTextLinks: true,
    });
    let headers: Headers = new Map();
    let text = '';
    const attachments: AttachmentInfo[] = [];
    const pending: Promise<void>[] = [];

    parser.on('headers', (h: Headers) => {
      headers = h;
    });
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type === 'text') {
        text = data.text ?? '';
        return;
      }
      const index = attachments.length;
      const placeholder: AttachmentInfo = {
        index,
        name: data.filename ?? null,
        type: data.contentType,
        size: 0,
        sha256: '',
        inline: data.contentDisposition === 'inline' || data.related === true,
      };
      attachments.push(placeholder);
      pending.push(
        new Promise<void>((done, fail) => {
          data.content.on('end', () => {
            placeholder.size = data.size ?? 0;
            placeholder.sha256 = data.checksum ?? '';
            data.release?.();
            done();
          });
          data.content.on('error', fail);
          data.content.resume();
        }),
      );
    });
    parser.on('error', reject);
    parser.on('end', () => {
      Promise.all(pending)
        .then(() => resolve(fromHeaders(headers, text, attachments, limits, 'ok', null)))
        .catch(reject);
    });
    Readable.from(source).on('error', reject).pipe(parser);
  });
}

async function parseHeadersOnly(head: Buffer, reason: string, limits: ParseLimits): Promise<ParsedMessage> {
  const end = findHeaderEnd(head);
  try {
    const parsed = await simpleParser(Buffer.concat([head.subarray(0, end), Buffer.from('\r\n\r\n')]), {
      maxHeadSize: limits.maxHeadBytes,
      skipTextToHtml: true,
    });
    return fromHeaders(parsed.headers, '', [], limits, 'failed', reason);
  } catch {
    return fromHeaders(new Map(), '', [], limits, 'failed', reason);
  }
}

function findHeaderEnd(head: Buffer): number {
  const crlf = head.indexOf('\r\n\r\n');
  const lf = head.indexOf('\n\n');
  const ends = [crlf, lf].filter((i) => i >= 0);
  return ends.length ? Math.min(...ends) : head.length;
}

function fromHeaders(
  headers: Headers,
  text: string,
  attachments: AttachmentInfo[],
  limits: ParseLimits,
  status: ParseStatus,
  error: string | null,
): ParsedMessage {
  const date = headers.get('date');
  const textTruncated = text.length > limits.maxIndexedTextChars;
  return {
    status,
    error,
    messageId: stripBrackets(stringHeader(headers.get('message-id'))),
    date: date instanceof Date && !Number.isNaN(date.getTime()) ? date : null,
    subject: stringHeader(headers.get('subject')),
    from: addresses(headers.get('from')),
    sender: addresses(headers.get('sender')),
    to: addresses(headers.get('to')),
    cc: addresses(headers.get('cc')),
    bcc: addresses(headers.get('bcc')),
    replyTo: addresses(headers.get('reply-to')),
    inReplyTo: stripBrackets(stringHeader(headers.get('in-reply-to'))),
    references: messageIdList(headers.get('references')),
    text: textTruncated ? text.slice(0, limits.maxIndexedTextChars) : text,
    textTruncated,
    attachments,
  };
}

function stringHeader(value: HeaderValue | undefined): string | null {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return null;
}

function stripBrackets(id: string | null): string | null {
  if (id === null) return null;
  const trimmed = id.trim().replace(/^<([^>]*)>$/, '$1');
  return trimmed || null;
}

function messageIdList(value: HeaderValue | undefined): string[] {
  const raw = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v) => typeof v === 'string') : [];
  return raw
    .flatMap((v) => v.split(/\s+/))
    .map((v) => stripBrackets(v))
    .filter((v): v is string => v !== null);
}

function addresses(value: HeaderValue | undefined): Address[] {
  const objects: AddressObject[] = isAddressObject(value)
    ? [value]
    : Array.isArray(value)
      ? (value as unknown[]).filter(isAddressObject)
      : [];
  return objects.flatMap((o) => flatten(o.value));
}

function flatten(list: EmailAddress[]): Address[] {
  return list.flatMap((entry) =>
    entry.group ? flatten(entry.group) : [{ address: entry.address ?? '', name: entry.name ?? '' }],
  );
}

function isAddressObject(value: unknown): value is AddressObject {
  return typeof value === 'object' && value !== null && Array.isArray((value as AddressObject).value);
}
