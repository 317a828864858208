import { z } from 'zod';
import { CofferError } from './errors.js';
import { DEFAULT_PARSE_LIMITS } from './intake/parse-limits.js';

const positiveInt = z.number().int().positive();

/** Settings of the core, the same in every runtime. Parsed once at start-up, then passed down. */
export const CoreConfigSchema = z
  .object({
    /** The default retention policy: 7 years unless configured. */
    retentionDays: positiveInt.default(7 * 365 + 2),
    /** Dual control: releasing a legal hold needs a second officer's approval. */
    dualControl: z.boolean().default(false),
    /** Largest message accepted, in bytes (SMTP answers 552 above it). */
    maxMessageBytes: positiveInt.default(150 * 1024 * 1024),
    /** The organisation's domains: internal senders are custodians of what they send. */
    internalDomains: z.array(z.string().min(1).transform((d) => d.toLowerCase().replace(/^@/, ''))).default([]),
    parseLimits: z
      .object({
        maxHeadBytes: positiveInt,
        maxParts: positiveInt,
        maxHtmlChars: positiveInt,
        maxIndexedTextChars: positiveInt,
      })
      .strict()
      .default(DEFAULT_PARSE_LIMITS),
  })
  .strict();

export type CoreConfig = z.infer<typeof CoreConfigSchema>;

export function parseCoreConfig(input: unknown): CoreConfig {
  const result = CoreConfigSchema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new CofferError('CONFIG.INVALID', `invalid configuration: ${issues}`);
  }
  return result.data;
}
