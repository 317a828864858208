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

const JournalRecipientSchema = z
  .object({
    address: z.string(),
    kind: z.enum(['to', 'cc', 'bcc', 'recipient']),
    expandedFrom: z.string().optional(),
    forwardedFrom: z.string().optional(),
  })
  .openapi('JournalRecipient');

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
    journalRecipients: z.array(JournalRecipientSchema),
    journalStatus: z.enum(['none', 'ok', 'malformed']),
    journalError: z.string().nullable(),
    decryptedCopyId: z.string().nullable(),
    decryptedCopyOf: z.string().nullable(),
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
    evidenceKey: z.string().openapi({ description: 'Store key of this delivery\'s envelope record' }),
    journal: z
      .object({
        status: z.enum(['ok', 'malformed']),
        reason: z.string().nullable(),
        sender: z.string().nullable(),
        onBehalfOf: z.string().nullable(),
        subject: z.string().nullable(),
        messageId: z.string().nullable(),
        recipients: z.array(JournalRecipientSchema),
        unknownLines: z.array(z.string()),
        reportKey: z.string().openapi({ description: 'Store key of the journal report as received: the evidence' }),
        reportSha256: z.string(),
      })
      .optional(),
    headerRecipients: z.array(z.string()).optional(),
    verdicts: z
      .object({ spam: z.string(), virus: z.string(), spf: z.string(), dkim: z.string(), dmarc: z.string(), dmarcPolicy: z.string().optional() })
      .optional(),
    decryptedCopyId: z.string().optional(),
    decryptedCopyOf: z.string().optional(),
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
