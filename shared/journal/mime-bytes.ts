/**
 * Minimal MIME scanning on bytes, just enough to take a journal report apart without ever
 * re-encoding the attached original. Header text is read as latin1 (one char per byte, lossless);
 * bodies stay Buffers. No RegExp is ever built from message text: boundaries are found by indexOf.
 */

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HT = 0x09;
const DASH = 0x2d;
const EQ = 0x3d;

/** One header field: lower-cased name, value unfolded (line breaks removed) and trimmed. */
export interface HeaderField {
  name: string;
  value: string;
}

export interface HeaderBlock {
  fields: HeaderField[];
  /** Offset of the first body byte (just after the blank line), or `end` when there is none. */
  bodyStart: number;
  /** False when no blank line ended the header block before `end`. */
  complete: boolean;
}

/** Reads the header block of the entity in buf[start, end). Cost is proportional to the header size. */
export function readHeaderBlock(buf: Buffer, start = 0, end = buf.length): HeaderBlock {
  const fields: HeaderField[] = [];
  let name: string | null = null;
  let raw = '';
  let pos = start;
  while (pos < end) {
    const nl = buf.indexOf(LF, pos);
    const hasNl = nl !== -1 && nl < end;
    const next = hasNl ? nl + 1 : end;
    let lineEnd = hasNl ? nl : end;
    if (lineEnd > pos && buf[lineEnd - 1] === CR) lineEnd--;
    if (lineEnd === pos) {
      if (name !== null) fields.push({ name, value: raw.trim() });
      return { fields, bodyStart: next, complete: hasNl };
    }
    const line = buf.toString('latin1', pos, lineEnd);
    const first = buf[pos];
    if ((first === SP || first === HT) && name !== null) {
      raw += line; // unfolding removes the line break only
    } else {
      if (name !== null) fields.push({ name, value: raw.trim() });
      name = null;
      const colon = line.indexOf(':');
      // A line without a colon (e.g. an mbox "From " line) is not a field; skip it.
      if (colon > 0) {
        name = line.slice(0, colon).trim().toLowerCase();
        raw = line.slice(colon + 1);
      }
    }
    pos = next;
  }
  if (name !== null) fields.push({ name, value: raw.trim() });
  return { fields, bodyStart: end, complete: false };
}

export function headerValue(fields: readonly HeaderField[], name: string): string | null {
  const found = fields.find((f) => f.name === name);
  return found ? found.value : null;
}

export interface ContentType {
  /** `type/subtype`, lower-cased. */
  mediaType: string;
  /** Parameter names lower-cased; RFC 2231 continuations and extended values are joined and decoded. */
  params: Map<string, string>;
}

/** Parses a Content-Type value: parameters in any order, quoted or token values, RFC 2231. */
export function parseContentType(value: string): ContentType {
  const semi = value.indexOf(';');
  const mediaType = (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase();
  const raw = new Map<string, string>();
  let i = semi === -1 ? value.length : semi + 1;
  while (i < value.length) {
    while (i < value.length && (value[i] === ';' || isWsp(value[i]))) i++;
    const nameStart = i;
    while (i < value.length && value[i] !== '=' && value[i] !== ';') i++;
    const name = value.slice(nameStart, i).trim().toLowerCase();
    if (value[i] !== '=') continue; // a parameter without a value: ignore it
    i++;
    while (i < value.length && isWsp(value[i])) i++;
    let paramValue = '';
    if (value[i] === '"') {
      i++;
      while (i < value.length && value[i] !== '"') {
        if (value[i] === '\\' && i + 1 < value.length) i++;
        paramValue += value[i];
        i++;
      }
      i++; // the closing quote (or past the end when unterminated)
      while (i < value.length && value[i] !== ';') i++;
    } else {
      const valueStart = i;
      while (i < value.length && value[i] !== ';') i++;
      paramValue = value.slice(valueStart, i).trim();
    }
    if (name !== '' && !raw.has(name)) raw.set(name, paramValue);
  }
  return { mediaType, params: joinRfc2231(raw) };
}

function isWsp(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

/** Joins `name*0`, `name*1*`… and decodes `name*=charset'lang'%xx` (RFC 2231); plain names win. */
function joinRfc2231(raw: Map<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  const sections = new Map<string, { index: number; value: string; extended: boolean }[]>();
  for (const [name, value] of raw) {
    const star = name.indexOf('*');
    if (star === -1) {
      out.set(name, value);
      continue;
    }
    const base = name.slice(0, star);
    const rest = name.slice(star + 1);
    const extended = rest.endsWith('*') || rest === '';
    const indexText = rest.endsWith('*') ? rest.slice(0, -1) : rest;
    const index = indexText === '' ? 0 : Number(indexText);
    if (!Number.isInteger(index)) continue;
    const list = sections.get(base) ?? [];
    list.push({ index, value, extended });
    sections.set(base, list);
  }
  for (const [base, list] of sections) {
    if (out.has(base)) continue;
    list.sort((a, b) => a.index - b.index);
    let charset = 'utf-8';
    const bytes: number[] = [];
    list.forEach((section, n) => {
      let v = section.value;
      if (section.extended && n === 0) {
        const q1 = v.indexOf("'");
        const q2 = q1 === -1 ? -1 : v.indexOf("'", q1 + 1);
        if (q2 !== -1) {
          charset = v.slice(0, q1) || charset;
          v = v.slice(q2 + 1);
        }
      }
      for (let k = 0; k < v.length; k++) {
        const hex = section.extended && v[k] === '%' ? Number.parseInt(v.slice(k + 1, k + 3), 16) : Number.NaN;
        if (!Number.isNaN(hex) && /^[0-9a-fA-F]{2}$/.test(v.slice(k + 1, k + 3))) {
          bytes.push(hex);
          k += 2;
        } else {
          bytes.push(v.charCodeAt(k) & 0xff);
        }
      }
    });
    out.set(base, decodeText(Buffer.from(bytes), charset));
  }
  return out;
}

export interface MultipartPart {
  /** The part: its header block and body, without the line break that precedes the next delimiter. */
  start: number;
  end: number;
  /** True for the last part when no close delimiter followed it. */
  unterminated: boolean;
}

export interface Multipart {
  parts: MultipartPart[];
  /** A close delimiter `--boundary--` was found. */
  closed: boolean;
}

/**
 * Splits a multipart body at its delimiter lines (RFC 2046): `--boundary` at the start of a line,
 * then `--` for the close delimiter, optional transport padding (spaces, tabs) and CRLF, LF or the
 * end. The line break before a delimiter belongs to the delimiter, not to the part. The preamble
 * and the epilogue are dropped. A line that merely starts with `--boundary` followed by other
 * characters (an inner boundary that extends ours) is content.
 */
export function splitMultipart(buf: Buffer, bodyStart: number, boundary: string, end = buf.length): Multipart {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const parts: MultipartPart[] = [];
  let current: number | null = null;
  let pos = bodyStart;
  while (pos < end) {
    const at = buf.indexOf(delimiter, pos);
    if (at === -1 || at + delimiter.length > end) break;
    pos = at + 1;
    if (at !== bodyStart && buf[at - 1] !== LF) continue;
    let after = at + delimiter.length;
    let close = false;
    if (buf[after] === DASH && buf[after + 1] === DASH && after + 1 < end) {
      close = true;
      after += 2;
    }
    while (after < end && (buf[after] === SP || buf[after] === HT)) after++;
    let lineEnd: number;
    if (after >= end) lineEnd = end;
    else if (buf[after] === LF) lineEnd = after + 1;
    else if (buf[after] === CR && after + 1 < end && buf[after + 1] === LF) lineEnd = after + 2;
    else continue;
    if (current !== null) {
      let contentEnd = at;
      if (at > current && buf[at - 1] === LF) {
        contentEnd = at - 1;
        if (contentEnd > current && buf[contentEnd - 1] === CR) contentEnd--;
      }
      parts.push({ start: current, end: Math.max(current, contentEnd), unterminated: false });
    }
    if (close) return { parts, closed: true };
    current = lineEnd;
    pos = lineEnd;
  }
  if (current !== null) parts.push({ start: current, end, unterminated: true });
  return { parts, closed: false };
}

/** Decodes a Content-Transfer-Encoding; identity encodings (and unknown ones) return the bytes untouched. */
export function decodeTransferEncoding(body: Buffer, encoding: string | null): Buffer {
  const cte = (encoding ?? '').trim().toLowerCase();
  if (cte === 'base64') return decodeBase64(body);
  if (cte === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

function decodeBase64(body: Buffer): Buffer {
  const clean = Buffer.alloc(body.length);
  let n = 0;
  for (const byte of body) {
    const isAlphabet =
      (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x2b || byte === 0x2f;
    if (isAlphabet) clean[n++] = byte;
  }
  return Buffer.from(clean.toString('latin1', 0, n), 'base64');
}

function isHex(byte: number | undefined): boolean {
  return byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66));
}

/** RFC 2045 quoted-printable: `=XX`, soft line breaks, trailing whitespace on a line dropped. */
function decodeQuotedPrintable(body: Buffer): Buffer {
  const out = Buffer.alloc(body.length);
  let n = 0;
  let i = 0;
  while (i < body.length) {
    const byte = body[i] as number;
    if (byte === EQ) {
      if (isHex(body[i + 1]) && isHex(body[i + 2])) {
        out[n++] = Number.parseInt(body.toString('latin1', i + 1, i + 3), 16);
        i += 3;
        continue;
      }
      let j = i + 1;
      while (j < body.length && (body[j] === SP || body[j] === HT)) j++;
      if (j >= body.length) break;
      if (body[j] === LF) {
        i = j + 1;
        continue;
      }
      if (body[j] === CR && body[j + 1] === LF) {
        i = j + 2;
        continue;
      }
      out[n++] = byte;
      i++;
      continue;
    }
    if (byte === SP || byte === HT) {
      let j = i;
      while (j < body.length && (body[j] === SP || body[j] === HT)) j++;
      if (j >= body.length || body[j] === LF || (body[j] === CR && body[j + 1] === LF)) {
        i = j;
        continue;
      }
    }
    out[n++] = byte;
    i++;
  }
  return out.subarray(0, n);
}

/** Decodes text in a charset; utf-8 (and us-ascii) always, others when the runtime knows them. */
export function decodeText(bytes: Buffer, charset: string | null | undefined): string {
  const label = (charset ?? '').trim().toLowerCase();
  if (label === '' || label === 'us-ascii' || label === 'ascii' || label === 'utf-8' || label === 'utf8') return bytes.toString('utf8');
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return bytes.toString('utf8');
  }
}
