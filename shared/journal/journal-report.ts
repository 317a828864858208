import type { HeaderField } from './mime-bytes.js';
import { decodeText, decodeTransferEncoding, headerValue, parseContentType, readHeaderBlock, splitMultipart } from './mime-bytes.js';
import type { JournalFields, JournalUnwrap } from './journal-types.js';
import { parseReportFields } from './report-fields.js';

export type { JournalFields, JournalRecipient, JournalRecipientKind, JournalUnwrap } from './journal-types.js';

/**
 * A journal report is recognised by its top-level header block alone: `X-MS-Journal-Report`
 * (Exchange 2007 and later, Exchange Online; any value, usually empty) or
 * `Content-Identifier: exjournalreport` (Exchange 2003).
 */
export function isJournalReportHeader(fields: readonly HeaderField[]): boolean {
  return fields.some(
    (f) => f.name === 'x-ms-journal-report' || (f.name === 'content-identifier' && f.value.trim().toLowerCase() === 'exjournalreport'),
  );
}

/**
 * Takes an Exchange envelope journal report apart, on bytes: the envelope fields of its first
 * text/plain part, the exact bytes of the original (first message/rfc822 part; transfer-decoded
 * only when that part is base64 or quoted-printable) and, for protected mail, the decrypted copy
 * (second message/rfc822 part). Non-journal mail costs one scan of its header block.
 * `original` and `decrypted` are views into `message` unless a transfer encoding was decoded.
 */
export function unwrapJournalReport(message: Buffer): JournalUnwrap {
  const head = readHeaderBlock(message);
  if (!isJournalReportHeader(head.fields)) return { kind: 'not-journal' };

  const contentType = headerValue(head.fields, 'content-type');
  if (contentType === null) return malformed('journal report without a Content-Type: expected multipart/mixed', null);
  const { mediaType, params } = parseContentType(contentType);
  if (!mediaType.startsWith('multipart/')) return malformed(`journal report is not multipart (Content-Type ${mediaType || 'empty'})`, null);
  const boundary = params.get('boundary');
  if (boundary === undefined || boundary === '') return malformed(`journal report ${mediaType} has no boundary parameter`, null);

  const multipart = splitMultipart(message, head.bodyStart, boundary);
  if (multipart.parts.length === 0) return malformed(`journal report has no delimiter line for its boundary ${JSON.stringify(boundary)}`, null);

  const parts = multipart.parts.map((part) => {
    const partHead = readHeaderBlock(message, part.start, part.end);
    // RFC 2046: a body part without a Content-Type is text/plain (us-ascii).
    const type = parseContentType(headerValue(partHead.fields, 'content-type') ?? 'text/plain');
    return {
      ...part,
      mediaType: type.mediaType,
      charset: type.params.get('charset') ?? null,
      encoding: headerValue(partHead.fields, 'content-transfer-encoding'),
      body: message.subarray(partHead.bodyStart, part.end),
    };
  });
  const unterminated = multipart.closed ? '' : ' (the multipart has no close delimiter: truncated?)';

  const reportPart = parts.find((p) => p.mediaType === 'text/plain');
  if (reportPart === undefined) return malformed(`journal report has no text/plain report part${unterminated}`, null);
  const { fields, problems } = parseReportFields(decodeText(decodeTransferEncoding(reportPart.body, reportPart.encoding), reportPart.charset));

  const reasons = [...problems];
  if (fields.recipients.length === 0) reasons.push('journal report lists no recipient (no To/Cc/Bcc/Recipient line)');
  const rfc822 = parts.filter((p) => p.mediaType === 'message/rfc822');
  const [originalPart, decryptedPart] = rfc822;
  if (originalPart === undefined) {
    reasons.push(`journal report has no message/rfc822 part${unterminated}`);
  } else if (originalPart.unterminated) {
    reasons.push('unterminated multipart: no close delimiter after the original message/rfc822 part, which may be truncated');
  } else if (decryptedPart?.unterminated) {
    reasons.push('unterminated multipart: no close delimiter after the decrypted message/rfc822 part, which may be truncated');
  }
  if (originalPart !== undefined && originalPart.body.length === 0) reasons.push('the original message/rfc822 part is empty');
  if (reasons.length > 0 || originalPart === undefined) return malformed(reasons.join('; '), fields);

  return {
    kind: 'report',
    fields,
    original: decodeTransferEncoding(originalPart.body, originalPart.encoding),
    decrypted: decryptedPart === undefined ? null : decodeTransferEncoding(decryptedPart.body, decryptedPart.encoding),
  };
}

function malformed(reason: string, fields: JournalFields | null): JournalUnwrap {
  return { kind: 'malformed', reason, fields };
}
