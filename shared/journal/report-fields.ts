import type { JournalFields, JournalRecipient, JournalRecipientKind } from './journal-types.js';

const RECIPIENT_KINDS: Record<string, JournalRecipientKind> = { to: 'to', cc: 'cc', bcc: 'bcc', recipient: 'recipient' };
const SINGLE_FIELDS = { sender: 'Sender', 'on-behalf-of': 'On-Behalf-Of', subject: 'Subject', 'message-id': 'Message-Id' } as const;
type SingleField = keyof typeof SINGLE_FIELDS;

export interface ParsedReportFields {
  fields: JournalFields;
  /** Lines with a known field name whose value cannot be read (the report is then malformed). */
  problems: string[];
}

/**
 * Reads the text of the report part: one field a line. Known lines fill the fields; anything else
 * (other field names, unknown recipient annotations) is kept verbatim in unknownLines.
 */
export function parseReportFields(text: string): ParsedReportFields {
  const single: Record<SingleField, string | null> = { sender: null, 'on-behalf-of': null, subject: null, 'message-id': null };
  const recipients: JournalRecipient[] = [];
  const seen = new Set<string>();
  const unknownLines: string[] = [];
  const problems: string[] = [];

  for (const rawLine of text.split(/\r\n|\n|\r/)) {
    const line = rawLine.trimEnd();
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim().toLowerCase() : '';
    const value = colon > 0 ? line.slice(colon + 1).trim() : '';

    if (name in SINGLE_FIELDS) {
      const field = name as SingleField;
      const normalized = normalizeSingle(field, value);
      if (normalized instanceof Problem) {
        problems.push(`garbled ${SINGLE_FIELDS[field]} line: ${JSON.stringify(line)}`);
        continue;
      }
      const previous = single[field];
      if (previous !== null && previous !== normalized) {
        problems.push(`conflicting ${SINGLE_FIELDS[field]} lines: ${JSON.stringify(previous)} and ${JSON.stringify(normalized)}`);
        continue;
      }
      single[field] = normalized;
      continue;
    }

    const kind = RECIPIENT_KINDS[name];
    if (kind === undefined) {
      unknownLines.push(line);
      continue;
    }
    const parsed = parseRecipient(kind, value);
    if (parsed === 'unknown') {
      unknownLines.push(line);
    } else if (parsed instanceof Problem) {
      problems.push(`garbled recipient line (${parsed.why}): ${JSON.stringify(line)}`);
    } else {
      const key = [parsed.address, parsed.kind, parsed.expandedFrom ?? '', parsed.forwardedFrom ?? ''].join('\u0000');
      if (!seen.has(key)) {
        seen.add(key);
        recipients.push(parsed);
      }
    }
  }

  return {
    fields: {
      sender: single.sender,
      onBehalfOf: single['on-behalf-of'],
      subject: single.subject,
      messageId: single['message-id'],
      recipients,
      unknownLines,
    },
    problems,
  };
}

class Problem {
  constructor(readonly why: string) {}
}

function normalizeSingle(field: SingleField, value: string): string | null | Problem {
  switch (field) {
    case 'subject':
      return value;
    case 'message-id': {
      const id = stripAngles(value);
      if (id === '') return null;
      return /[\s<>]/.test(id) ? new Problem('not a message id') : id;
    }
    case 'sender':
    case 'on-behalf-of': {
      const address = stripAngles(value);
      // An empty reverse path (`<>`, bounces) has no sender.
      if (address === '') return null;
      return isPlausibleAddress(address) ? address.toLowerCase() : new Problem('not an address');
    }
  }
}

function parseRecipient(kind: JournalRecipientKind, value: string): JournalRecipient | Problem | 'unknown' {
  const segments = value.split(',');
  const address = stripAngles(segments[0] ?? '');
  if (address === '') return new Problem('no address');
  if (!isPlausibleAddress(address)) return new Problem('not an address');
  const recipient: JournalRecipient = { address: address.toLowerCase(), kind };
  for (const segment of segments.slice(1)) {
    const colon = segment.indexOf(':');
    const name = colon > 0 ? segment.slice(0, colon).trim().toLowerCase() : '';
    const annotation = colon > 0 ? stripAngles(segment.slice(colon + 1)) : '';
    if (name === '' || annotation === '') return new Problem('annotation without a name or value');
    if (name !== 'expanded' && name !== 'forwarded') return 'unknown';
    if (!isPlausibleAddress(annotation)) return new Problem(`${name} is not an address`);
    const key = name === 'expanded' ? 'expandedFrom' : 'forwardedFrom';
    if (recipient[key] !== undefined) return 'unknown';
    recipient[key] = annotation.toLowerCase();
  }
  return recipient;
}

function stripAngles(value: string): string {
  let v = value.trim();
  if (v.startsWith('<') && v.endsWith('>')) v = v.slice(1, -1).trim();
  return v;
}

/** An SMTP address as Exchange writes it: local@domain, no spaces, no list punctuation. */
function isPlausibleAddress(address: string): boolean {
  const at = address.lastIndexOf('@');
  return at > 0 && at < address.length - 1 && !/[\s<>,;()]/.test(address);
}
