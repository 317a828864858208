import type { Role } from '../domain/records.js';
import type { AuditDetail } from '../ports/audit-log.js';
import type { AuditRecordInput } from '../audit/audit-trail.js';
import type { Principal } from '../auth/authenticate.js';
import { requireRole } from '../auth/authenticate.js';

/** Who does something: a signed-in principal, or the system itself (schedules, resumed jobs). */
export type Actor = Principal | { name: string; role: 'system' };

export const SYSTEM: Actor = { name: 'system', role: 'system' };

export type AuditDetails = Record<string, AuditDetail>;

/** What a use case writes to the audit trail: AuditTrail, or a test double. */
export interface AuditRecorder {
  record(input: AuditRecordInput): Promise<unknown>;
}

/** The system acts for schedules and resumed jobs; people only as their role allows (API.md "Roles"). */
export function allow(actor: Actor, roles: readonly Role[]): void {
  if (actor.role === 'system') return;
  requireRole(actor, roles);
}
