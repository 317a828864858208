import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Logger } from '../ports/logger.js';
import type { IngestMessage } from '../intake/ingest-message.js';
import type { ReadMessage } from '../messages/read-message.js';
import type { SearchMessages } from '../search/search-messages.js';
import type { Authenticator } from '../auth/authenticate.js';
import type { AuditedReadsDeps } from '../app/audited-reads.js';
import { AuditedReads } from '../app/audited-reads.js';
import { CofferError } from '../errors.js';
import { toErrorResponse } from './error-response.js';
import {
  DeliverySchema,
  IntakeResultSchema,
  MessageIdParam,
  MessageRecordSchema,
  SearchRequestSchema,
  SearchResponseSchema,
} from './schemas.js';
import type { Env } from './route-kit.js';
import { JSON_BODY_LIMIT, bearer, compact, errors, notFound, tooLarge, tooLargeResponse } from './route-kit.js';
import type { GovernanceRouteDeps } from './governance-routes.js';
import { registerGovernanceRoutes } from './governance-routes.js';
import type { ComplianceRouteDeps } from './compliance-routes.js';
import { registerComplianceRoutes } from './compliance-routes.js';

/**
 * What the router needs: the use cases as the composition root builds them (callers spread them:
 * `createApp({ ...archive, auth, logger, maxMessageBytes, version })`), and the authenticator.
 */
export interface AppDeps extends GovernanceRouteDeps, ComplianceRouteDeps {
  auth: Authenticator;
  search: SearchMessages;
  read: ReadMessage;
  ingest: IngestMessage;
  audit: AuditedReadsDeps['audit'];
  /** Job progress (GET /v1/jobs/{id}). */
  governance: AuditedReadsDeps['governance'];
  logger: Logger;
  maxMessageBytes: number;
  version: string;
}

/**
 * The HTTP API as a web-standard app (Request → Response): the embedded server and the Lambda
 * handler run this same router. Routes translate and delegate; use cases check the role of the
 * principal (the Actor) and write the audit trail.
 */
export function createApp(deps: AppDeps): OpenAPIHono<Env> {
  const reads = new AuditedReads(deps);
  const app = new OpenAPIHono<Env>({
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
        throw new CofferError('REQUEST.INVALID', `${where}${issue?.message ?? 'invalid request'}`);
      }
      return undefined;
    },
  });
  app.onError((err) => toErrorResponse(err, deps.logger));
  app.notFound(() => Response.json({ error: { code: 'REQUEST.INVALID', message: 'no such route' } }, { status: 404 }));
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });

  app.get('/health', (c) => c.json({ ok: true, version: deps.version }));
  app.doc31('/v1/openapi.json', { openapi: '3.1.0', info: { title: 'Coffer API', version: deps.version } });

  app.use('/v1/*', async (c, next) => {
    if (c.req.path === '/v1/openapi.json') return next();
    c.set('principal', await deps.auth.authenticate(c.req.header('authorization')));
    return next();
  });

  app.use('/v1/search', tooLarge(JSON_BODY_LIMIT));
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/search',
      summary: 'Search the archive with the query language',
      security: bearer,
      request: { body: { content: { 'application/json': { schema: SearchRequestSchema } }, required: true } },
      responses: { 200: { description: 'Matches', content: { 'application/json': { schema: SearchResponseSchema } } }, ...errors, ...tooLargeResponse },
    }),
    async (c) => c.json(await reads.search(c.get('principal'), compact(c.req.valid('json'))), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/messages/{id}',
      summary: 'A message record: headers, participants, custodians, attachments, retention',
      security: bearer,
      request: { params: MessageIdParam },
      responses: { 200: { description: 'The record', content: { 'application/json': { schema: MessageRecordSchema } } }, ...errors, ...notFound },
    }),
    async (c) => c.json(await reads.record(c.get('principal'), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/messages/{id}/deliveries',
      summary: 'Each arrival of the message: time, source, envelope, evidence object',
      security: bearer,
      request: { params: MessageIdParam },
      responses: {
        200: { description: 'Deliveries', content: { 'application/json': { schema: z.object({ deliveries: z.array(DeliverySchema) }) } } },
        ...errors,
        ...notFound,
      },
    }),
    async (c) => c.json({ deliveries: await reads.deliveries(c.get('principal'), c.req.valid('param').id) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/messages/{id}/raw',
      summary: 'The exact original bytes; their SHA-256 is the id',
      security: bearer,
      request: { params: MessageIdParam },
      responses: { 200: { description: 'message/rfc822', content: { 'message/rfc822': { schema: z.string() } } }, ...errors, ...notFound },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const raw = await reads.raw(c.get('principal'), id);
      return new Response(toWebStream(raw.body), {
        status: 200,
        headers: {
          'content-type': 'message/rfc822',
          'content-length': String(raw.size),
          'content-disposition': `attachment; filename="${id}.eml"`,
          'x-content-sha256': id,
        },
      });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/messages/{id}/deliveries/{deliveryId}/evidence',
      summary: "A delivery's evidence as received: the journal report (message/rfc822), or the envelope record (JSON)",
      security: bearer,
      request: { params: MessageIdParam.extend({ deliveryId: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/).openapi({ param: { name: 'deliveryId', in: 'path' } }) }) },
      responses: {
        200: { description: 'The evidence bytes', content: { 'message/rfc822': { schema: z.string() }, 'application/json': { schema: z.object({}) } } },
        ...errors,
        ...notFound,
      },
    }),
    async (c) => {
      const { id, deliveryId } = c.req.valid('param');
      const evidence = await reads.evidence(c.get('principal'), id, deliveryId);
      return new Response(toWebStream(evidence.body), {
        status: 200,
        headers: { 'content-type': evidence.contentType, 'x-content-sha256': evidence.sha256 },
      });
    },
  );

  app.use('/v1/messages', tooLarge(deps.maxMessageBytes));
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/messages',
      summary: 'Upload one raw message through the same intake as SMTP and SES',
      security: bearer,
      request: { body: { content: { 'message/rfc822': { schema: z.string() } }, required: true } },
      responses: {
        201: { description: 'Archived', content: { 'application/json': { schema: IntakeResultSchema } } },
        ...errors,
        ...tooLargeResponse,
      },
    }),
    async (c) => c.json(await reads.upload(c.get('principal'), async () => new Uint8Array(await c.req.arrayBuffer())), 201),
  );

  registerGovernanceRoutes(app, { ...deps, reads });
  registerComplianceRoutes(app, { ...deps, reads });
  return app;
}

function toWebStream(body: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}
