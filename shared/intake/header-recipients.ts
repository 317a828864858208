/**
 * Recipients named by headers the receiving system adds: Google Workspace copies carry
 * X-Gm-Original-To (missing for Google Groups redistribution) and Delivered-To. Read from the
 * top-level header block only, on bytes, so a message body can never inject one.
 */
const FIELDS = new Set(['x-gm-original-to', 'delivered-to']);
const ADDRESS = /[^\s<>,;:"()[\]]+@[^\s<>,;:"()[\]]+/g;
const MAX_HEADER_BYTES = 256 * 1024;

export function headerRecipients(message: Uint8Array): string[] {
  const head = Buffer.from(message.buffer, message.byteOffset, Math.min(message.byteLength, MAX_HEADER_BYTES)).toString('latin1');
  const end = headerEnd(head);
  const found = new Set<string>();
  let field = '';
  for (const line of head.slice(0, end).split(/\r?\n/)) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (FIELDS.has(field)) collect(line, found);
      continue;
    }
    const colon = line.indexOf(':');
    field = colon > 0 ? line.slice(0, colon).trim().toLowerCase() : '';
    if (FIELDS.has(field)) collect(line.slice(colon + 1), found);
  }
  return [...found].sort();
}

function collect(value: string, into: Set<string>): void {
  for (const address of value.match(ADDRESS) ?? []) into.add(address.toLowerCase());
}

function headerEnd(head: string): number {
  const lf = head.indexOf('\n\n');
  const crlf = head.indexOf('\r\n\r\n');
  const ends = [lf, crlf].filter((i) => i >= 0);
  return ends.length > 0 ? Math.min(...ends) : head.length;
}
