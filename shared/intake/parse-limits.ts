/**
 * Parse limits, explicit so that hostile mail cannot exhaust memory or time. A limit of 0 or
 * NaN is a configuration error, never "unlimited" (validated in shared/config.ts).
 */
export interface ParseLimits {
  /** Largest header block of one MIME part (mailparser maxHeadSize). */
  maxHeadBytes: number;
  /** Most MIME parts in one message, at any depth (mailparser maxChildNodes); bounds nesting too. */
  maxParts: number;
  /** HTML longer than this is not converted to text for the index (the message is still stored). */
  maxHtmlChars: number;
  /** Body text kept for the index; longer text is cut and the record says so. */
  maxIndexedTextChars: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = {
  maxHeadBytes: 1024 * 1024,
  maxParts: 1000,
  maxHtmlChars: 5_000_000,
  maxIndexedTextChars: 2_000_000,
};
