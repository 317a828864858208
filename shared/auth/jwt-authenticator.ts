import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import type { JSONWebKeySet, JWTPayload, JWTVerifyGetKey } from 'jose';
import type { Role } from '../domain/records.js';
import { CofferError } from '../errors.js';
import { ROLES } from './authenticate.js';
import type { Authenticator, Principal } from './authenticate.js';

export interface JwtAuthenticatorOptions {
  /** The `iss` every token must carry, e.g. https://cognito-idp.eu-west-1.amazonaws.com/<pool id>. */
  issuer: string;
  /** Accepted `aud` values; a Cognito access token has none and names its app client in `client_id`. */
  audience: readonly string[];
  /**
   * The issuer's signing keys: a key set in memory (tests, air-gapped issuers) or a JWKS URL.
   * With neither, the URL is read from the issuer's OpenID Connect metadata on first use.
   */
  keys?: { jwks: JSONWebKeySet } | { jwksUrl: string };
  /** The claim that holds the role: one name, or an array of group names such as `cognito:groups`. */
  roleClaim: string;
  /** The claim naming the user in the audit trail; unset: email, preferred_username, username, sub. */
  nameClaim?: string;
  /** Allowed clock skew for `exp`/`nbf`, in seconds. Default 30. */
  clockToleranceSeconds?: number;
  /** For OpenID Connect discovery; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** Asymmetric algorithms only: a public key set must never be usable as an HMAC secret. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const NAME_CLAIMS = ['email', 'preferred_username', 'cognito:username', 'username', 'sub'];
/** When a token carries several known roles, the first in this order is used. */
const PRECEDENCE: readonly Role[] = ['admin', 'officer', 'auditor', 'legal-api'];
/** jose failures that are the server's problem (keys unreachable), not the caller's token. */
const KEY_SOURCE_FAILURES = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC']);

/**
 * Bearer JWTs from an OpenID Connect issuer (Cognito by default; Entra ID, Google, …). On AWS
 * the API Gateway JWT authorizer has already checked the token; the core checks it again,
 * so a route can never be reached with a token nobody verified (a missing authorizer on a
 * route, a test stage, a direct invoke).
 */
export class JwtAuthenticator implements Authenticator {
  private readonly audience: ReadonlySet<string>;
  private keySet: Promise<JWTVerifyGetKey> | undefined;

  constructor(private readonly options: JwtAuthenticatorOptions) {
    if (options.audience.length === 0) throw new CofferError('CONFIG.INVALID', 'a JWT audience is required');
    this.audience = new Set(options.audience);
  }

  async authenticate(authorization: string | null | undefined): Promise<Principal> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match?.[1]) throw new CofferError('AUTH.MISSING', 'an Authorization: Bearer <token> header is required');
    const payload = await this.verify(match[1]);
    if (!this.audienceMatches(payload)) throw new CofferError('AUTH.INVALID', 'the token is not for this API (audience)');
    const name = this.nameOf(payload);
    if (!name) throw new CofferError('AUTH.INVALID', 'the token names no user');
    const role = this.roleOf(payload);
    if (!role) {
      throw new CofferError('AUTH.FORBIDDEN', `the token carries no Coffer role in ${this.options.roleClaim} (one of ${ROLES.join(', ')})`);
    }
    return { name, role };
  }

  private async verify(token: string): Promise<JWTPayload> {
    const keys = await this.keys();
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: this.options.issuer,
        algorithms: ALGORITHMS,
        clockTolerance: this.options.clockToleranceSeconds ?? 30,
        requiredClaims: ['exp'],
      });
      return payload;
    } catch (err) {
      if (err instanceof joseErrors.JOSEError && !KEY_SOURCE_FAILURES.has(err.code)) {
        throw new CofferError('AUTH.INVALID', `the token is not valid (${err.code})`, { cause: err });
      }
      throw new CofferError('INTERNAL', "the token issuer's signing keys could not be read", { cause: err });
    }
  }

  /** As API Gateway's JWT authorizer: `aud` must name an audience, or (no `aud`) `client_id` must. */
  private audienceMatches(payload: JWTPayload): boolean {
    const aud = payload.aud;
    if (aud !== undefined) return (Array.isArray(aud) ? aud : [aud]).some((a) => this.audience.has(a));
    const clientId = payload['client_id'];
    return typeof clientId === 'string' && this.audience.has(clientId);
  }

  private nameOf(payload: JWTPayload): string | null {
    const claims = this.options.nameClaim ? [this.options.nameClaim] : NAME_CLAIMS;
    for (const claim of claims) {
      const value = payload[claim];
      if (typeof value === 'string' && value.trim()) return value.trim();
    }
    return null;
  }

  private roleOf(payload: JWTPayload): Role | null {
    const value = payload[this.options.roleClaim];
    const names = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
    return PRECEDENCE.find((role) => names.includes(role)) ?? null;
  }

  private keys(): Promise<JWTVerifyGetKey> {
    this.keySet ??= this.loadKeys().catch((err: unknown) => {
      this.keySet = undefined; // a failed discovery is retried by the next request
      throw new CofferError('INTERNAL', "the token issuer's signing keys could not be found", { cause: err });
    });
    return this.keySet;
  }

  private async loadKeys(): Promise<JWTVerifyGetKey> {
    const keys = this.options.keys;
    if (keys && 'jwks' in keys) return createLocalJWKSet(keys.jwks);
    if (keys) return createRemoteJWKSet(new URL(keys.jwksUrl));
    return createRemoteJWKSet(new URL(await this.discoverJwksUri()));
  }

  /** OpenID Connect discovery: `<issuer>/.well-known/openid-configuration` names `jwks_uri`. */
  private async discoverJwksUri(): Promise<string> {
    const doFetch = this.options.fetch ?? fetch;
    const url = `${this.options.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const response = await doFetch(url, { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`OpenID configuration ${url} answered ${response.status}`);
    const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (metadata.issuer !== this.options.issuer) throw new Error(`OpenID configuration ${url} is for another issuer`);
    if (typeof metadata.jwks_uri !== 'string') throw new Error(`OpenID configuration ${url} has no jwks_uri`);
    return metadata.jwks_uri;
  }
}
