import { randomBytes } from 'node:crypto';
import type { Catalog } from '../ports/catalog.js';
import type { Clock } from '../ports/clock.js';
import type { Role, User } from '../domain/records.js';
import { CofferError } from '../errors.js';
import { sha256Hex } from '../intake/hash.js';

export const ROLES: readonly Role[] = ['admin', 'officer', 'auditor', 'legal-api'];

export interface Principal {
  name: string;
  role: Role;
}

/** Turns an Authorization header into a principal: API tokens (embedded) or JWTs (AWS). */
export interface Authenticator {
  /** Throws AUTH.MISSING (no credentials) or AUTH.INVALID; an unknown role is AUTH.FORBIDDEN. */
  authenticate(authorization: string | null | undefined): Promise<Principal>;
}

/** API tokens: random, shown once, stored only as their SHA-256. */
export class Tokens implements Authenticator {
  constructor(private readonly deps: { catalog: Catalog; clock: Clock }) {}

  async authenticate(authorization: string | null | undefined): Promise<Principal> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match?.[1]) throw new CofferError('AUTH.MISSING', 'an Authorization: Bearer <token> header is required');
    const user = await this.deps.catalog.findUserByTokenHash(sha256Hex(match[1]));
    if (!user) throw new CofferError('AUTH.INVALID', 'the token is not valid');
    return { name: user.name, role: user.role };
  }

  /** Creates (or re-keys) a user and returns the token, which is never stored. */
  async issue(name: string, role: Role): Promise<{ user: User; token: string }> {
    if (!ROLES.includes(role)) throw new CofferError('REQUEST.INVALID', `unknown role ${role}; one of ${ROLES.join(', ')}`);
    const token = `coffer_${randomBytes(32).toString('base64url')}`;
    const user: User = { name, role, tokenHash: sha256Hex(token), createdAt: this.deps.clock.now().toISOString() };
    await this.deps.catalog.putUser(user);
    return { user, token };
  }
}

/** Admin may do everything; other roles only what the route lists (API.md "Roles"). */
export function requireRole(principal: Principal, allowed: readonly Role[]): void {
  if (principal.role === 'admin' || allowed.includes(principal.role)) return;
  throw new CofferError('AUTH.FORBIDDEN', `the role ${principal.role} may not do this`);
}
