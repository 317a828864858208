import { createRoute } from '@hono/zod-openapi';
import type { RetentionPolicies } from '../retention/retention-policies.js';
import type { DispositionSweep } from '../disposition/disposition-sweep.js';
import type { AuditedReads } from '../app/audited-reads.js';
import type { App } from './route-kit.js';
import { JSON_BODY_LIMIT, bearer, compact, errors, notFound, tooLarge, tooLargeResponse } from './route-kit.js';
import {
  AuditPageSchema,
  AuditQuery,
  AuditVerifySchema,
  DispositionReportSchema,
  IdParam,
  PolicyChangedSchema,
  PolicyListSchema,
  PolicyRequestSchema,
  PolicyUpdateSchema,
  toJobView,
} from './governance-schemas.js';
import { ErrorSchema } from './schemas.js';

export interface ComplianceRouteDeps {
  policies: RetentionPolicies;
  disposition: DispositionSweep;
}

const json = <T>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const body = <T>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });
const unprocessable = { 422: json(ErrorSchema, 'The change would shorten retention (POLICY.SHORTENS)') } as const;
const DEFAULT_AUDIT_PAGE = 100;

/** Retention policies, disposition (admin) and the audit trail (auditor, admin). */
export function registerComplianceRoutes(app: App, deps: ComplianceRouteDeps & { reads: AuditedReads }): void {
  for (const path of ['/v1/retention-policies', '/v1/retention-policies/*', '/v1/disposition', '/v1/disposition/*']) app.use(path, tooLarge(JSON_BODY_LIMIT));

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/retention-policies',
      tags: ['retention'],
      summary: 'Retention policies; the default always exists; the longest matching period wins',
      security: bearer,
      responses: { 200: json(PolicyListSchema, 'The policies'), ...errors },
    }),
    async (c) => c.json({ items: await deps.policies.list(c.get('principal')) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/retention-policies',
      tags: ['retention'],
      summary: 'Add a policy; a job extends the retention of the messages it covers',
      security: bearer,
      request: body(PolicyRequestSchema),
      responses: { 202: json(PolicyChangedSchema, 'The policy and the job applying it'), ...errors, ...tooLargeResponse },
    }),
    async (c) => {
      const changed = await deps.policies.create(c.get('principal'), c.req.valid('json'));
      return c.json({ policy: changed.policy, job: toJobView(changed.job) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/retention-policies/{id}',
      tags: ['retention'],
      summary: 'Change a policy: only ever extends; a job extends existing messages (never shortens a lock)',
      security: bearer,
      request: { params: IdParam, ...body(PolicyUpdateSchema) },
      responses: { 202: json(PolicyChangedSchema, 'The policy and the job applying it'), ...errors, ...notFound, ...unprocessable, ...tooLargeResponse },
    }),
    async (c) => {
      const changed = await deps.policies.update(c.get('principal'), c.req.valid('param').id, compact(c.req.valid('json')));
      return c.json({ policy: changed.policy, job: toJobView(changed.job) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/disposition/preview',
      tags: ['disposition'],
      summary: 'What a sweep would dispose of now (past retain-until, under no hold); changes nothing',
      security: bearer,
      responses: { 200: json(DispositionReportSchema, 'The dry-run report'), ...errors },
    }),
    async (c) => c.json(await deps.disposition.run(c.get('principal'), { dryRun: true }), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/disposition',
      tags: ['disposition'],
      summary: 'Run the sweep now (synchronously): each disposed message gets a certificate in the audit log',
      security: bearer,
      responses: { 200: json(DispositionReportSchema, 'The report of the sweep'), ...errors },
    }),
    async (c) => c.json(await deps.disposition.run(c.get('principal'), { dryRun: false }), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/audit',
      tags: ['audit'],
      summary: 'Audit entries, newest first, filtered by time, actor and action',
      security: bearer,
      request: { query: AuditQuery },
      responses: { 200: json(AuditPageSchema, 'A page of entries'), ...errors },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const page = await deps.reads.auditEntries(c.get('principal'), {
        limit: q.limit ?? DEFAULT_AUDIT_PAGE,
        ...compact({ cursor: q.cursor, actor: q.actor, action: q.action }),
        ...(q.from ? { from: new Date(q.from) } : {}),
        ...(q.to ? { to: new Date(q.to) } : {}),
      });
      return c.json(page, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/audit/verify',
      tags: ['audit'],
      summary: 'Recompute the hash chain and compare it with the seals in the write-once store',
      security: bearer,
      responses: { 200: json(AuditVerifySchema, '{ok, entries, firstBrokenSeq?}'), ...errors },
    }),
    async (c) => c.json(await deps.reads.verifyAudit(c.get('principal')), 200),
  );
}
