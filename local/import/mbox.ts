/**
 * Splits an mbox file into messages, byte-exact and streaming.
 *
 * A separator is a line starting with `From ` at the start of the file or right after an
 * empty line. Everything is done on Buffers, never decoded: 8-bit header bytes must reach the
 * archive exactly as they are in the file.
 *
 * `>From ` lines are NOT un-escaped. mboxo quotes only `From ` while mboxrd also quotes
 * `>From `, and a file does not say which convention wrote it, so any un-quoting would guess
 * and could change bytes the sender actually sent. The archive must never invent bytes; a
 * leading `>` in a body line is harmless to keep.
 *
 * Content-Length headers (mboxcl/mboxcl2) are not trusted either: they are often stale after
 * a mail client rewrote a message, and a wrong one would cut messages at the wrong place.
 */

const LF = 0x0a;
const CR = 0x0d;
const FROM_SPACE = Buffer.from('From ', 'latin1');
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const EMPTY = Buffer.alloc(0);

/**
 * One piece of an mbox file. Concatenating every part's bytes in order (`separator + message +
 * gap`, or `bytes`) gives back the file exactly, which is how the splitter is proven lossless.
 */
export type MboxPart =
  | {
      type: 'message';
      /** The `From ` line with its terminator; empty when the file does not start with one. */
      separator: Buffer;
      message: Buffer;
      /** The empty line mbox writes after each message (LF or CRLF); empty if there was none. */
      gap: Buffer;
    }
  /** Empty lines before the first separator: no message, kept only so that nothing is lost. */
  | { type: 'blank'; bytes: Buffer };

/**
 * True if the bytes start with an mbox separator. A UTF-8 BOM is allowed in front because
 * text editors add one when an mbox is saved through them; it then belongs to the separator.
 */
export function startsWithMboxSeparator(head: Uint8Array): boolean {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const rest = startsWith(bytes, UTF8_BOM) ? bytes.subarray(UTF8_BOM.length) : bytes;
  return startsWith(rest, FROM_SPACE);
}

/** Splits an mbox read as chunks; each message is yielded as soon as its end is seen. */
export async function* splitMbox(source: AsyncIterable<Uint8Array>): AsyncGenerator<MboxPart> {
  const splitter = new MboxSplitter();
  for await (const chunk of source) {
    yield* splitter.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  yield* splitter.end();
}

interface OpenMessage {
  separator: Buffer;
  lines: Buffer[];
}

class MboxSplitter {
  private carry: Buffer[] = [];
  private atFileStart = true;
  private previousEmpty = false;
  private current: OpenMessage | null = null;
  /**
   * An empty line is held back until the next line shows whether it was the gap before a
   * separator (dropped from the message) or part of the message body.
   */
  private heldEmpty: Buffer | null = null;
  private out: MboxPart[] = [];

  push(chunk: Buffer): MboxPart[] {
    let start = 0;
    for (let nl = chunk.indexOf(LF, start); nl >= 0; nl = chunk.indexOf(LF, start)) {
      this.line(this.takeCarry(chunk.subarray(start, nl + 1)));
      start = nl + 1;
    }
    // Lines are sliced out of the read chunk without copying; only a line that straddles
    // chunks is copied, once, when its end arrives.
    if (start < chunk.length) this.carry.push(chunk.subarray(start));
    return this.drain();
  }

  end(): MboxPart[] {
    if (this.carry.length > 0) this.line(this.takeCarry(EMPTY));
    if (this.current) this.finish();
    return this.drain();
  }

  private takeCarry(tail: Buffer): Buffer {
    if (this.carry.length === 0) return tail;
    const line = Buffer.concat([...this.carry, tail]);
    this.carry = [];
    return line;
  }

  private line(line: Buffer): void {
    const empty = isEmptyLine(line);
    const isSeparator =
      (this.atFileStart || this.previousEmpty) &&
      (this.atFileStart ? startsWithMboxSeparator(line) : startsWith(line, FROM_SPACE));
    if (isSeparator) {
      if (this.current) this.finish();
      this.current = { separator: line, lines: [] };
    } else {
      // Bytes before the first separator are still a message (an `.mbox` holding one message
      // without a `From ` line is common), unless they are only blank lines.
      this.current ??= { separator: EMPTY, lines: [] };
      if (this.heldEmpty) this.current.lines.push(this.heldEmpty);
      this.heldEmpty = null;
      if (empty) this.heldEmpty = line;
      else this.current.lines.push(line);
    }
    this.previousEmpty = empty;
    this.atFileStart = false;
  }

  /**
   * Closes the open message. The held empty line is the gap mbox adds after every message,
   * including the last one in the file, so it is dropped from the message there as well.
   */
  private finish(): void {
    const open = this.current;
    if (!open) return;
    const message = Buffer.concat(open.lines);
    const gap = this.heldEmpty ?? EMPTY;
    this.current = null;
    this.heldEmpty = null;
    if (open.separator.length === 0 && isBlank(message)) {
      this.out.push({ type: 'blank', bytes: Buffer.concat([message, gap]) });
    } else {
      this.out.push({ type: 'message', separator: open.separator, message, gap });
    }
  }

  private drain(): MboxPart[] {
    const parts = this.out;
    this.out = [];
    return parts;
  }
}

function startsWith(bytes: Buffer, prefix: Buffer): boolean {
  return bytes.length >= prefix.length && bytes.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

function isEmptyLine(line: Buffer): boolean {
  return (line.length === 1 && line[0] === LF) || (line.length === 2 && line[0] === CR && line[1] === LF);
}

function isBlank(bytes: Buffer): boolean {
  return bytes.every((b) => b === LF || b === CR || b === 0x20 || b === 0x09);
}
