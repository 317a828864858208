import type { BlobBody } from '../../shared/ports/blob-store.js';

/** S3's smallest part (except the last). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

/**
 * Cuts a body into parts of exactly `partSize` bytes (the last may be shorter, and an empty body
 * yields nothing). A stream is re-chunked as it arrives: at most one part plus one chunk is held
 * in memory, never the whole body.
 */
export async function* partsOf(body: BlobBody, partSize: number): AsyncGenerator<Buffer> {
  if (body instanceof Uint8Array) {
    const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    for (let i = 0; i < bytes.length; i += partSize) yield bytes.subarray(i, i + partSize);
    return;
  }
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of body) {
    if (chunk.byteLength === 0) continue;
    pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    pendingBytes += chunk.byteLength;
    while (pendingBytes >= partSize) {
      const joined = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
      // Copy the part out: the caller may keep it while the source reuses its chunk buffers.
      yield Buffer.from(joined.subarray(0, partSize));
      const rest = joined.subarray(partSize);
      pending = rest.length > 0 ? [Buffer.from(rest)] : [];
      pendingBytes = rest.length;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

export const hexToBase64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');

/** A full-object S3 checksum as hex, or null for a composite (multipart, `…-N`) or absent one. */
export function checksumHex(checksum: string | undefined, type?: string): string | null {
  if (!checksum || type === 'COMPOSITE' || checksum.includes('-')) return null;
  const bytes = Buffer.from(checksum, 'base64');
  return bytes.length === 32 ? bytes.toString('hex') : null;
}
