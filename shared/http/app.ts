import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { Context } from 'hono';
import type { Logger } from '../ports/logger.js';
import type { Role } from '../domain/records.js';
import type { IngestMessage } from '../intake/ingest-message.js';
import type { ReadMessage } from '../messages/read-message.js';
import type { SearchMessages } from '../search/search-messages.js';
import type { Authenticator, Principal } from '../auth/authenticate.js';
import { requireRole } from '../auth/authenticate.js';
import { CofferError, TooLargeError } from '../errors.js';
import { toErrorResponse } from './error-response.js';
import {
  DeliverySchema,
  ErrorSchema,
  IntakeResultSchema,
  MessageIdParam,
  MessageRecordSchema,
  SearchRequestSchema,
  SearchResponseSchema,
} from './schemas.js';

export interface AppDeps {
  auth: Authenticator;
  search: SearchMessages;
  read: ReadMessage;
  ingest: IngestMessage;
  logger: Logger;
  maxMessageBytes: number;
  version: string;
}

type Env = { Variables: { principal: Principal } };

const JSON_BODY_LIMIT = 64 * 1024;
const errors = {
  400: { description: 'Bad input', content: { 'application/json': { schema: ErrorSchema } } },
  401: { description: 'No or invalid token', content: { 'application/json': { schema: ErrorSchema } } },
  403: { description: 'Role not allowed', content: { 'application/json': { schema: ErrorSchema } } },
} as const;
const notFound = { 404: { description: 'No such message', content: { 'application/json': { schema: ErrorSchema } } } } as const;
const bearer = [{ bearer: [] }];

/**
 * The HTTP API as a web-standard app (Request → Response): the embedded server and the Lambda
 * handler run this same router. Routes translate and delegate; use cases do the work.
 */
export function createApp(deps: AppDeps): OpenAPIHono<Env> {
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
  const tooLarge = (limit: number) =>
    bodyLimit({
      maxSize: limit,
      onError: () => {
        throw new TooLargeError('REQUEST.TOO_LARGE', limit);
      },
    });
  const allow = (c: Context<Env>, roles: readonly Role[]) => requireRole(c.get('principal'), roles);

  app.use('/v1/search', tooLarge(JSON_BODY_LIMIT));
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/search',
      summary: 'Search the archive with the query language',
      security: bearer,
      request: { body: { content: { 'application/json': { schema: SearchRequestSchema } }, required: true } },
      responses: { 200: { description: 'Matches', content: { 'application/json': { schema: SearchResponseSchema } } }, ...errors },
    }),
    async (c) => {
      allow(c, ['officer', 'auditor']);
      const body = c.req.valid('json');
      const result = await deps.search.execute({
        query: body.query,
        ...(body.limit !== undefined ? { limit: body.limit } : {}),
        ...(body.cursor !== undefined ? { cursor: body.cursor } : {}),
        ...(body.sort !== undefined ? { sort: body.sort } : {}),
      });
      return c.json(result, 200);
    },
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
    async (c) => {
      allow(c, ['officer', 'auditor']);
      return c.json(await deps.read.record(c.req.valid('param').id), 200);
    },
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
    async (c) => {
      allow(c, ['officer', 'auditor']);
      return c.json({ deliveries: await deps.read.deliveries(c.req.valid('param').id) }, 200);
    },
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
      allow(c, ['officer']);
      const { id } = c.req.valid('param');
      const raw = await deps.read.raw(id);
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
      allow(c, ['officer', 'auditor']);
      const { id, deliveryId } = c.req.valid('param');
      const evidence = await deps.read.evidence(id, deliveryId);
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
        413: { description: 'Larger than the configured limit', content: { 'application/json': { schema: ErrorSchema } } },
      },
    }),
    async (c) => {
      allow(c, []);
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      if (bytes.length === 0) throw new CofferError('REQUEST.INVALID', 'the body must be the raw message');
      const result = await deps.ingest.execute({
        source: { open: () => single(bytes) },
        from: 'api',
        envelope: { mailFrom: null, rcptTo: [] },
        origin: `api:${c.get('principal').name}`,
      });
      return c.json(result, 201);
    },
  );

  return app;
}

async function* single(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
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
