import type { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { MiddlewareHandler } from 'hono';
import type { Principal } from '../auth/authenticate.js';
import { TooLargeError } from '../errors.js';
import { ErrorSchema } from './schemas.js';

/** What the auth middleware leaves for the routes: the principal, who is the Actor of every use case. */
export type Env = { Variables: { principal: Principal } };
export type App = OpenAPIHono<Env>;

/** Every JSON request body: a search, a hold scope, a policy… never needs more. */
export const JSON_BODY_LIMIT = 64 * 1024;

const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });

export const errors = {
  400: error('Bad input (the query\'s column when it is the query)'),
  401: error('No or invalid token'),
  403: error('Role not allowed'),
} as const;
export const notFound = { 404: error('Not found') } as const;
export const conflict = { 409: error('Conflict with the current state') } as const;
export const tooLargeResponse = { 413: error('Request body over the limit') } as const;
export const bearer = [{ bearer: [] }];

export function tooLarge(limit: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: limit,
    onError: () => {
      throw new TooLargeError('REQUEST.TOO_LARGE', limit);
    },
  });
}

type Compact<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** Drops absent fields: zod says `x?: T | undefined`, the use cases (exactOptionalPropertyTypes) say `x?: T`. */
export function compact<T extends object>(value: T): Compact<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Compact<T>;
}
