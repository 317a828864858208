import { z } from 'zod';
import { CofferError } from '../../shared/errors.js';

/**
 * API Gateway HTTP API (payload format 2.0) events to web `Request`s and `Response`s back, so the
 * api function runs the same router as the embedded server. Only translation lives here.
 */
const HttpApiEvent = z.looseObject({
  version: z.literal('2.0'),
  rawPath: z.string().startsWith('/'),
  rawQueryString: z.string().default(''),
  cookies: z.array(z.string()).optional(),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().default(false),
  requestContext: z.looseObject({
    domainName: z.string().min(1).optional(),
    http: z.looseObject({ method: z.string().min(1) }),
  }),
});

export interface HttpApiResult {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

export function toRequest(event: unknown): Request {
  const parsed = HttpApiEvent.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CofferError('REQUEST.INVALID', `not an HTTP API 2.0 event: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`);
  }
  const e = parsed.data;
  const method = e.requestContext.http.method.toUpperCase();
  const host = e.requestContext.domainName ?? e.headers['host'] ?? 'localhost';
  const url = `https://${host}${e.rawPath}${e.rawQueryString ? `?${e.rawQueryString}` : ''}`;
  const headers = new Headers();
  for (const [name, value] of Object.entries(e.headers)) headers.set(name, value);
  // Payload 2.0 moves Cookie headers into `cookies`.
  if (e.cookies?.length) headers.set('cookie', e.cookies.join('; '));
  const hasBody = e.body !== undefined && method !== 'GET' && method !== 'HEAD';
  const body = hasBody ? (e.isBase64Encoded ? Buffer.from(e.body ?? '', 'base64') : (e.body ?? '')) : null;
  return new Request(url, { method, headers, body });
}

/** Text stays text; anything else (message/rfc822, attachments) goes base64, byte for byte. */
export async function toResult(response: Response): Promise<HttpApiResult> {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  response.headers.forEach((value, name) => {
    if (name === 'set-cookie') cookies.push(value);
    else headers[name] = value;
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const text = isText(response.headers.get('content-type'));
  return {
    statusCode: response.status,
    headers,
    ...(cookies.length ? { cookies } : {}),
    body: text ? bytes.toString('utf8') : bytes.toString('base64'),
    isBase64Encoded: !text,
  };
}

function isText(contentType: string | null): boolean {
  if (!contentType) return true;
  const type = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return type.startsWith('text/') || type === 'application/json' || type.endsWith('+json') || type === 'application/xml';
}
