import { z } from '@hono/zod-openapi';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'QUERY.SYNTAX' }),
      message: z.string(),
      column: z.number().int().optional(),
    }),
  })
  .openapi('Error');

export const SearchRequestSchema = z
  .object({
    query: z.string().max(4096).openapi({ example: 'from:alice@example.com sent:2024-01..2024-03 "merger agreement"' }),
    limit: z.number().int().min(1).max(500).optional(),
    cursor: z.string().max(2048).optional(),
    sort: z.enum(['sent:desc', 'sent:asc']).optional(),
  })
  .strict()
  .openapi('SearchRequest');

export const SearchHitSchema = z
  .object({
    id: z.string().openapi({ description: 'SHA-256 hex of the original bytes' }),
    messageId: z.string().nullable(),
    sent: z.string(),
    date: z.string().openapi({ description: 'Same as sent (kept for the first API draft)' }),
    from: z.string().nullable(),
    to: z.array(z.string()),
    subject: z.string().nullable(),
    size: z.number().int(),
    hasAttachments: z.boolean(),
    parseStatus: z.enum(['ok', 'failed']),
  })
  .openapi('SearchHit');

export const SearchResponseSchema = z
  .object({ total: z.number().int(), hits: z.array(SearchHitSchema), nextCursor: z.string().optional() })
  .openapi('SearchResponse');

const AddressSchema = z.object({ address: z.string(), name: z.string() }).openapi('Address');

export const MessageRecordSchema = z
  .object({
    id: z.string(),
    messageId: z.string().nullable(),
    date: z.string().nullable(),
    sent: z.string(),
    received: z.string(),
    from: z.array(AddressSchema),
    sender: z.array(AddressSchema),
    to: z.array(AddressSchema),
    cc: z.array(AddressSchema),
    bcc: z.array(AddressSchema),
    replyTo: z.array(AddressSchema),
    subject: z.string().nullable(),
    inReplyTo: z.string().nullable(),
    references: z.array(z.string()),
    threadId: z.string().nullable(),
    envelopeRecipients: z.array(z.string()),
    custodians: z.array(z.string()),
    size: z.number().int(),
    attachments: z.array(
      z.object({
        index: z.number().int(),
        name: z.string().nullable(),
        type: z.string(),
        size: z.number().int(),
        sha256: z.string(),
        inline: z.boolean(),
      }),
    ),
    hasAttachments: z.boolean(),
    retainUntil: z.string(),
    holdIds: z.array(z.string()),
    parseStatus: z.enum(['ok', 'failed']),
    parseError: z.string().nullable(),
  })
  .openapi('Message');

export const DeliverySchema = z
  .object({
    id: z.string(),
    messageSha256: z.string(),
    receivedAt: z.string(),
    source: z.enum(['smtp', 'import', 'api', 'ses']),
    envelope: z.object({ mailFrom: z.string().nullable(), rcptTo: z.array(z.string()) }),
    origin: z.string().nullable(),
    evidenceKey: z.string(),
  })
  .openapi('Delivery');

export const IntakeResultSchema = z
  .object({
    id: z.string(),
    size: z.number().int(),
    deliveryId: z.string(),
    messageCreated: z.boolean(),
    deliveryCreated: z.boolean(),
    parseStatus: z.enum(['ok', 'failed']),
  })
  .openapi('IntakeResult');

export const MessageIdParam = z.object({
  id: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'SHA-256 hex of the original bytes' }),
});
