import type { SesDelivery } from '../../shared/intake/ses-events.js';
import { VERDICT_ABSENT } from '../../shared/intake/ses-events.js';

/**
 * What SES recorded about a message it wrote into the inbox bucket, read back from the headers
 * it put on top of the message.
 *
 * On the S3 → SQS path there is no SES notification: the S3 event names only the object. SES
 * prepends its own trace headers to every message it stores — `Return-Path` (the envelope
 * sender), a `Received: … by inbound-smtp.<region>.amazonaws.com with SMTP id <id> for <rcpt>;`
 * line, `X-SES-Spam-Verdict`, `X-SES-Virus-Verdict` and an `Authentication-Results: amazonses.com;`
 * header with spf, dkim and dmarc results. Only the topmost instance of each counts: a sender can
 * put look-alikes further down, never above what SES adds. Verdicts are evidence for the auditor,
 * never a filter (journal reports fail DMARC by design).
 */
export interface SesObject {
  /** The inbox object, and the SES message id (the key after the receipt rule's prefix). */
  bucket: string;
  key: string;
  sesMessageId: string;
  /** When SES stored it (the object's Last-Modified). */
  storedAt: Date;
  /** The receipt rule's recipient, used when the Received header names none (several recipients). */
  journalAddress?: string;
}

/** Headers are read from the first 64 KiB at most: SES's are always at the top. */
const HEAD_LIMIT = 64 * 1024;

export function sesDeliveryFromObject(bytes: Uint8Array, object: SesObject): SesDelivery {
  const headers = topHeaders(bytes);
  const first = (name: string): string | undefined => headers.find((h) => h.name === name)?.value;

  const returnPath = first('return-path');
  const mailFrom = returnPath?.replace(/^\s*<\s*|\s*>\s*$/g, '').trim() || null;
  const received = first('received');
  const forRcpt = received && /\bamazonaws\.com\b/i.test(received) ? /\bfor\s+<?([^\s<>;]+@[^\s<>;]+)>?\s*;/i.exec(received)?.[1] : undefined;
  const rcpt = forRcpt ?? object.journalAddress;

  const auth = first('authentication-results');
  const sesAuth = auth && /^\s*amazonses\.com\s*;/i.test(auth) ? auth : undefined;
  const result = (method: string): string => {
    const match = sesAuth ? new RegExp(`(?:^|;)\\s*${method}=([a-z]+)`, 'i').exec(sesAuth) : null;
    return match?.[1]?.toUpperCase() ?? VERDICT_ABSENT;
  };
  const verdict = (name: string): string => first(name)?.trim().toUpperCase() || VERDICT_ABSENT;

  return {
    sesMessageId: object.sesMessageId,
    timestamp: object.storedAt.toISOString(),
    envelope: { mailFrom, rcptTo: rcpt ? [rcpt.toLowerCase()] : [] },
    verdicts: {
      spam: verdict('x-ses-spam-verdict'),
      virus: verdict('x-ses-virus-verdict'),
      spf: result('spf'),
      dkim: result('dkim'),
      dmarc: result('dmarc'),
    },
    object: { bucket: object.bucket, key: object.key },
  };
}

/** The header block, unfolded, names lower-cased, in order. */
function topHeaders(bytes: Uint8Array): { name: string; value: string }[] {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, HEAD_LIMIT)).toString('latin1');
  const block = head.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const headers: { name: string; value: string }[] = [];
  for (const line of block.split(/\r?\n/)) {
    const last = headers[headers.length - 1];
    if (/^[ \t]/.test(line) && last) {
      last.value += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.push({ name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).trim() });
  }
  return headers;
}
