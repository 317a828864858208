import { createRoute } from '@hono/zod-openapi';
import type { Cases } from '../cases/cases.js';
import type { Holds } from '../holds/holds.js';
import type { AuditedReads } from '../app/audited-reads.js';
import type { App } from './route-kit.js';
import { JSON_BODY_LIMIT, bearer, compact, conflict, errors, notFound, tooLarge, tooLargeResponse } from './route-kit.js';
import {
  ApprovalListSchema,
  ApprovedSchema,
  CaseDetailSchema,
  CasePageSchema,
  CaseRequestSchema,
  CaseSchema,
  HoldListSchema,
  HoldPreviewRequestSchema,
  HoldPreviewSchema,
  HoldRequestSchema,
  HoldSchema,
  HoldsQuery,
  IdParam,
  JobSchema,
  MemberPageSchema,
  PageQuery,
  PlacedSchema,
  RejectedSchema,
  ReleaseRequestSchema,
  ReleaseStartedSchema,
  toJobView,
} from './governance-schemas.js';

export interface GovernanceRouteDeps {
  cases: Cases;
  holds: Holds;
}

const json = <T>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const body = <T>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });

/**
 * Cases, legal holds, dual-control approvals and job progress: what a legal system calls.
 * The use cases check the role and write the audit entries; routes translate and delegate.
 */
export function registerGovernanceRoutes(app: App, deps: GovernanceRouteDeps & { reads: AuditedReads }): void {
  for (const path of ['/v1/cases', '/v1/holds', '/v1/holds/*', '/v1/approvals/*']) app.use(path, tooLarge(JSON_BODY_LIMIT));

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/cases',
      tags: ['cases'],
      summary: 'Open a case (matter): it groups the holds placed for it',
      security: bearer,
      request: body(CaseRequestSchema),
      responses: { 201: json(CaseSchema, 'The case'), ...errors, ...tooLargeResponse },
    }),
    async (c) => c.json(await deps.cases.create(c.get('principal'), compact(c.req.valid('json'))), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/cases',
      tags: ['cases'],
      summary: 'List cases, oldest first',
      security: bearer,
      request: { query: PageQuery },
      responses: { 200: json(CasePageSchema, 'A page of cases'), ...errors },
    }),
    async (c) => c.json(await deps.cases.list(c.get('principal'), compact(c.req.valid('query'))), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/cases/{id}',
      tags: ['cases'],
      summary: 'A case with its holds',
      security: bearer,
      request: { params: IdParam },
      responses: { 200: json(CaseDetailSchema, 'The case'), ...errors, ...notFound },
    }),
    async (c) => c.json(await deps.cases.get(c.get('principal'), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/holds/preview',
      tags: ['holds'],
      summary: 'Dry run: how many messages a scope covers now, and a sample; changes nothing',
      security: bearer,
      request: body(HoldPreviewRequestSchema),
      responses: { 200: json(HoldPreviewSchema, 'Count and sample'), ...errors, ...tooLargeResponse },
    }),
    async (c) => c.json(await deps.holds.preview(c.get('principal'), compact(c.req.valid('json').scope)), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/holds',
      tags: ['holds'],
      summary: 'Place a hold: new mail is covered at once, existing matches by the returned job',
      security: bearer,
      request: body(HoldRequestSchema),
      responses: { 202: json(PlacedSchema, 'The hold (status applying) and the job applying it'), ...errors, ...notFound, ...tooLargeResponse },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const placed = await deps.holds.place(c.get('principal'), { caseId: input.caseId, name: input.name, scope: compact(input.scope) });
      return c.json({ hold: placed.hold, job: toJobView(placed.job) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/holds',
      tags: ['holds'],
      summary: 'Holds, of one case or all, with status and member counts',
      security: bearer,
      request: { query: HoldsQuery },
      responses: { 200: json(HoldListSchema, 'The holds'), ...errors },
    }),
    async (c) => c.json({ items: await deps.holds.list(c.get('principal'), compact(c.req.valid('query'))) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/holds/{id}',
      tags: ['holds'],
      summary: 'A hold: status applying|active|releasing|released, and how many messages it covers',
      security: bearer,
      request: { params: IdParam },
      responses: { 200: json(HoldSchema, 'The hold'), ...errors, ...notFound },
    }),
    async (c) => c.json(await deps.holds.get(c.get('principal'), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/holds/{id}/messages',
      tags: ['holds'],
      summary: 'The ids of the messages a hold covers, paged',
      security: bearer,
      request: { params: IdParam, query: PageQuery },
      responses: { 200: json(MemberPageSchema, 'A page of message ids'), ...errors, ...notFound },
    }),
    async (c) => c.json(await deps.holds.members(c.get('principal'), c.req.valid('param').id, compact(c.req.valid('query'))), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/holds/{id}/release',
      tags: ['holds'],
      summary: 'Release a hold, with a reason: starts the release job, or asks a second officer (dual control)',
      security: bearer,
      request: { params: IdParam, ...body(ReleaseRequestSchema) },
      responses: { 202: json(ReleaseStartedSchema, '{job}, or {approval} under dual control'), ...errors, ...notFound, ...conflict, ...tooLargeResponse },
    }),
    async (c) => {
      const started = await deps.holds.release(c.get('principal'), c.req.valid('param').id, c.req.valid('json').reason);
      return c.json('job' in started ? { job: toJobView(started.job) } : started, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/approvals',
      tags: ['holds'],
      summary: 'Dual control: the releases waiting for a second officer, oldest first',
      security: bearer,
      responses: { 200: json(ApprovalListSchema, 'Pending approvals'), ...errors },
    }),
    async (c) => c.json({ items: await deps.holds.pendingApprovals(c.get('principal')) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/approvals/{id}/approve',
      tags: ['holds'],
      summary: 'Dual control: a second officer approves a pending release; the release job starts',
      security: bearer,
      request: { params: IdParam },
      responses: { 202: json(ApprovedSchema, 'The approval and the release job'), ...errors, ...notFound, ...conflict },
    }),
    async (c) => {
      const decided = await deps.holds.decide(c.get('principal'), c.req.valid('param').id, true);
      if (!decided.job) throw new Error('an approved release started no job');
      return c.json({ approval: decided.approval, job: toJobView(decided.job) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/approvals/{id}/reject',
      tags: ['holds'],
      summary: 'Dual control: a second officer rejects a pending release; the hold stays',
      security: bearer,
      request: { params: IdParam },
      responses: { 200: json(RejectedSchema, 'The rejected approval'), ...errors, ...notFound, ...conflict },
    }),
    async (c) => c.json({ approval: (await deps.holds.decide(c.get('principal'), c.req.valid('param').id, false)).approval }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/jobs/{id}',
      tags: ['jobs'],
      summary: 'Progress of long work: applying or releasing a hold, applying a retention policy',
      security: bearer,
      request: { params: IdParam },
      responses: { 200: json(JobSchema, 'The job'), ...errors, ...notFound },
    }),
    async (c) => c.json(toJobView(await deps.reads.job(c.get('principal'), c.req.valid('param').id)), 200),
  );
}
