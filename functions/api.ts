import { createApp } from '../shared/http/app.js';
import { JwtAuthenticator } from '../shared/auth/jwt-authenticator.js';
import { toErrorResponse } from '../shared/http/error-response.js';
import type { AwsConfig } from './compose.js';
import { requireSetting } from './compose.js';
import { toRequest, toResult } from './api/http-event.js';
import type { HttpApiResult } from './api/http-event.js';
import { ensureSearchIndex, functionRuntime } from './runtime/runtime.js';

let app: { fetch: (request: Request) => Response | Promise<Response> } | undefined;

/** Verifies again what the API Gateway JWT authorizer checked: issuer, audience, signature, expiry. */
export function jwtAuthenticator(config: AwsConfig): JwtAuthenticator {
  const jwksUrl = config.COFFER_JWT_JWKS_URL;
  const nameClaim = config.COFFER_JWT_NAME_CLAIM;
  return new JwtAuthenticator({
    issuer: requireSetting(config, 'COFFER_JWT_ISSUER'),
    audience: requireSetting(config, 'COFFER_JWT_AUDIENCE').split(',').map((a) => a.trim()).filter(Boolean),
    roleClaim: config.COFFER_JWT_ROLE_CLAIM,
    ...(jwksUrl ? { keys: { jwksUrl } } : {}),
    ...(nameClaim ? { nameClaim } : {}),
  });
}

function router() {
  if (app) return app;
  const { config, logger, archive } = functionRuntime('api');
  // Spread: every use case the composition root builds reaches the router without edits here.
  app = createApp({ ...archive, auth: jwtAuthenticator(config), logger, maxMessageBytes: archive.config.maxMessageBytes, version: config.COFFER_VERSION });
  return app;
}

/** API Gateway HTTP API (payload 2.0) → the shared router → the HTTP API response. No route logic here. */
export async function handler(event: unknown): Promise<HttpApiResult> {
  const routes = router();
  const { logger } = functionRuntime('api');
  try {
    // Creates the index before the first mail arrives; a failure here must not take /health down.
    await ensureSearchIndex(functionRuntime('api')).catch((err: unknown) => logger.warn('search index not ensured', { error: err instanceof Error ? err.name : typeof err }));
    return await toResult(await routes.fetch(toRequest(event)));
  } catch (err) {
    return toResult(toErrorResponse(err, logger));
  }
}
