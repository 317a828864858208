import { z } from '@hono/zod-openapi';
import type { JobRecord } from '../domain/governance.js';
import { SearchHitSchema } from './schemas.js';

/** Schemas of cases, holds, approvals, jobs, retention, disposition and the audit log (API.md "Resources"). */

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD').openapi({ example: '2024-01-31' });
const Query = z.string().max(4096);

export const IdParam = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,200}$/)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'hold-0m1x2y3z4-9f8e7d6c5b4a3210' }),
});

export const PageQuery = z.object({
  cursor: z.string().max(2048).optional().openapi({ description: 'nextCursor of the previous page' }),
  limit: z.coerce.number().int().min(1).max(500).optional().openapi({ description: 'Items per page (default 100, at most 500)' }),
});

const page = <T extends z.ZodTypeAny>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().optional() });

export const CaseRequestSchema = z
  .object({ name: z.string().min(1).max(200).openapi({ example: 'Smith v. Acme Corp.' }), description: z.string().max(4000).optional() })
  .strict()
  .openapi('CaseRequest');

export const CaseSchema = z
  .object({ id: z.string(), name: z.string(), description: z.string().nullable(), createdAt: z.string(), createdBy: z.string() })
  .openapi('Case');

export const HoldScopeSchema = z
  .object({
    custodians: z.array(z.string().min(1).max(320)).max(1000).optional().openapi({ description: 'Addresses, or @domain for a whole domain; any of them', example: ['cfo@acme.example'] }),
    query: Query.optional().openapi({ description: 'The query language (docs/query-language.md)', example: '"project falcon" OR subject:falcon' }),
    sentFrom: Day.optional().openapi({ description: 'First sent day, inclusive (UTC)' }),
    sentTo: Day.optional().openapi({ description: 'Last sent day, inclusive (UTC)' }),
  })
  .strict()
  .openapi('HoldScope', { description: 'Every given criterion must match' });

export const HoldPreviewRequestSchema = z.object({ scope: HoldScopeSchema }).strict().openapi('HoldPreviewRequest');
export const HoldPreviewSchema = z.object({ count: z.number().int(), sample: z.array(SearchHitSchema) }).openapi('HoldPreview');

export const HoldRequestSchema = z
  .object({ caseId: z.string().min(1).max(200), name: z.string().min(1).max(200).openapi({ example: 'Falcon custodians 2023–2024' }), scope: HoldScopeSchema })
  .strict()
  .openapi('HoldRequest');

const HoldRecordSchema = z.object({
  id: z.string(),
  caseId: z.string(),
  name: z.string(),
  scope: HoldScopeSchema,
  status: z.enum(['applying', 'active', 'releasing', 'released']),
  createdAt: z.string(),
  createdBy: z.string(),
  applyJobId: z.string(),
  release: z
    .object({ reason: z.string(), requestedBy: z.string(), requestedAt: z.string(), approvedBy: z.string().nullable(), jobId: z.string().nullable() })
    .nullable(),
  releasedAt: z.string().nullable(),
  version: z.number().int(),
});

export const HoldSchema = HoldRecordSchema.extend({ members: z.number().int().openapi({ description: 'Messages the hold covers now' }) }).openapi('Hold');
export const CaseDetailSchema = CaseSchema.extend({ holds: z.array(HoldRecordSchema) }).openapi('CaseDetail');

export const HoldsQuery = z.object({ caseId: z.string().max(200).optional() });

export const ReleaseRequestSchema = z.object({ reason: z.string().min(1).max(2000).openapi({ example: 'Matter settled; counsel confirmed 2024-06-01' }) }).strict().openapi('ReleaseRequest');

export const JobSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['hold.apply', 'hold.release', 'retention.apply', 'disposition']),
    target: z.string().openapi({ description: 'The hold or policy the job works for' }),
    actor: z.string(),
    status: z.enum(['queued', 'running', 'done', 'failed', 'cancelled']),
    done: z.number().int(),
    total: z.number().int(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    error: z.string().optional(),
  })
  .openapi('Job');

export type JobView = z.infer<typeof JobSchema>;

/** The job as the API shows it: progress, not the internal resume cursor. */
export function toJobView(job: JobRecord): JobView {
  const { id, kind, target, actor, status, done, total, createdAt, startedAt, finishedAt } = job;
  return { id, kind, target, actor, status, done, total, createdAt, startedAt, finishedAt, ...(job.error ? { error: job.error } : {}) };
}

export const ApprovalSchema = z
  .object({
    id: z.string(),
    action: z.literal('hold.release'),
    target: z.string(),
    reason: z.string(),
    requestedBy: z.string(),
    requestedAt: z.string(),
    status: z.enum(['pending', 'approved', 'rejected']),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    version: z.number().int(),
  })
  .openapi('Approval');

export const PlacedSchema = z.object({ hold: HoldSchema, job: JobSchema }).openapi('PlacedHold');
export const ReleaseStartedSchema = z
  .union([z.object({ job: JobSchema }), z.object({ approval: ApprovalSchema })])
  .openapi('ReleaseStarted', { description: '`{job}`, or `{approval}` to be decided by a second officer when dual control is on' });
export const ApprovalListSchema = z.object({ items: z.array(ApprovalSchema) }).openapi('ApprovalList');
export const ApprovedSchema = z.object({ approval: ApprovalSchema, job: JobSchema }).openapi('Approved');
export const RejectedSchema = z.object({ approval: ApprovalSchema }).openapi('Rejected');

export const CasePageSchema = page(CaseSchema).openapi('CasePage');
export const HoldListSchema = z.object({ items: z.array(HoldSchema) }).openapi('HoldList');
export const MemberPageSchema = page(z.string().openapi({ description: 'Message id (SHA-256)' })).openapi('HoldMemberPage');

export const PolicySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    query: z.string().openapi({ description: 'Empty for the default policy: every message' }),
    days: z.number().int(),
    isDefault: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .openapi('RetentionPolicy');

const Days = z.number().int().min(1).max(36_600).openapi({ description: 'Kept this many days after receipt', example: 3653 });
export const PolicyRequestSchema = z.object({ name: z.string().min(1).max(200), query: Query, days: Days }).strict().openapi('RetentionPolicyRequest');
export const PolicyUpdateSchema = z
  .object({ name: z.string().min(1).max(200).optional(), query: Query.optional(), days: Days.optional() })
  .strict()
  .openapi('RetentionPolicyUpdate', { description: 'Changes only ever extend: a shorter period is refused (POLICY.SHORTENS)' });
export const PolicyListSchema = z.object({ items: z.array(PolicySchema) }).openapi('RetentionPolicyList');
export const PolicyChangedSchema = z.object({ policy: PolicySchema, job: JobSchema }).openapi('RetentionPolicyChanged');

export const DispositionReportSchema = z
  .object({
    dryRun: z.boolean(),
    at: z.string(),
    scanned: z.number().int(),
    eligible: z.number().int(),
    candidates: z.array(z.object({ id: z.string(), sent: z.string(), received: z.string(), retainUntil: z.string(), policy: z.string().nullable() })),
    disposed: z.number().int(),
    held: z.number().int(),
    storeLocked: z.number().int(),
    deferred: z.string().nullable(),
  })
  .openapi('DispositionReport');

const Instant = z
  .string()
  .max(40)
  .refine((v) => !Number.isNaN(Date.parse(v)), 'expected an ISO 8601 time')
  .openapi({ example: '2024-06-01T00:00:00Z' });

export const AuditQuery = PageQuery.extend({
  from: Instant.optional().openapi({ description: 'Entries at or after this time' }),
  to: Instant.optional().openapi({ description: 'Entries strictly before this time' }),
  actor: z.string().max(200).optional(),
  action: z.string().max(100).optional().openapi({ example: 'hold.create' }),
});

export const AuditEntrySchema = z
  .object({
    seq: z.number().int(),
    at: z.string(),
    actor: z.string(),
    role: z.enum(['admin', 'officer', 'auditor', 'legal-api', 'system']),
    action: z.string(),
    target: z.string().optional(),
    query: z.string().optional(),
    count: z.number().int().optional(),
    details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
    prevHash: z.string(),
    hash: z.string(),
  })
  .openapi('AuditEntry');

export const AuditPageSchema = page(AuditEntrySchema).openapi('AuditPage');
export const AuditVerifySchema = z
  .object({
    ok: z.boolean(),
    entries: z.number().int(),
    sealedThrough: z.number().int(),
    firstBrokenSeq: z.number().int().optional(),
    reason: z.string().optional(),
  })
  .openapi('AuditVerify');
