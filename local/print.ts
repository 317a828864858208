import type { SearchOutput } from '../shared/search/search-messages.js';
import type { Delivery, MessageRecord } from '../shared/domain/records.js';
import type { VerifyReport } from '../shared/store/verify-store.js';
import type { ImportSummary } from './import/run-import.js';
import type { ApprovalRecord, CaseRecord, HoldRecord, RetentionPolicy } from '../shared/domain/governance.js';
import type { HoldView } from '../shared/holds/holds.js';
import type { SearchHit } from '../shared/search/search-messages.js';
import type { DispositionReport } from '../shared/disposition/disposition-sweep.js';
import type { AuditEntry } from '../shared/ports/audit-log.js';
import type { AuditVerifyResult } from '../shared/audit/audit-trail.js';
import type { JobView } from '../shared/http/governance-schemas.js';

type Out = (line: string) => void;

/** Human-readable CLI output; `--json` prints the API shapes instead. */
export function printSearch(result: SearchOutput, out: Out): void {
  out(`${result.total} message${result.total === 1 ? '' : 's'}`);
  for (const hit of result.hits) {
    out(`${hit.id}  ${hit.sent.slice(0, 10)}  ${truncate(hit.from ?? '-', 32)}  ${truncate(hit.subject ?? '(no subject)', 60)}`);
  }
  if (result.nextCursor) out(`more: --cursor ${result.nextCursor}`);
}

export function printRecord(record: MessageRecord, deliveries: Delivery[], out: Out): void {
  const list = (a: { name: string; address: string }[]) => a.map((x) => (x.name ? `${x.name} <${x.address}>` : x.address)).join(', ');
  out(`id          ${record.id}`);
  out(`message-id  ${record.messageId ?? '-'}`);
  out(`sent        ${record.sent}${record.date ? '' : ' (no usable Date header: first delivery time)'}`);
  out(`from        ${list(record.from)}`);
  out(`to          ${list(record.to)}`);
  if (record.cc.length) out(`cc          ${list(record.cc)}`);
  out(`subject     ${record.subject ?? ''}`);
  out(`size        ${record.size} bytes`);
  out(`retained    until ${record.retainUntil}`);
  out(`parse       ${record.parseStatus}${record.parseError ? `: ${record.parseError}` : ''}`);
  for (const a of record.attachments) out(`attachment  #${a.index} ${a.name ?? '(unnamed)'} ${a.type} ${a.size} bytes sha256:${a.sha256}`);
  for (const d of deliveries) out(`delivery    ${d.receivedAt} ${d.source} ${d.origin ?? ''} → ${d.envelope.rcptTo.join(', ') || '(no envelope recipients)'}`);
}

export function printImportSummary(s: ImportSummary, out: Out): void {
  out(`${s.messages} messages from ${s.files} files: ${s.stored} stored, ${s.duplicates} already archived, ${s.failed} failed, ${s.parseFailed} archived unparsed (flagged), ${s.skipped} non-mail files skipped, ${s.seconds}s`);
  for (const f of s.failures) out(`failed: ${f.origin}: ${f.reason}`);
}

export function printVerify(report: VerifyReport, out: Out): void {
  out(`${report.checked} messages checked, ${report.ok} intact, ${report.problems.length} problems`);
  for (const p of report.problems) out(`${p.problem}: ${p.id}${p.actual ? ` (stored bytes hash to ${p.actual})` : ''}`);
}

export function printCase(c: CaseRecord & { holds?: HoldRecord[] }, out: Out): void {
  out(`case        ${c.id}  ${c.name}`);
  if (c.description) out(`            ${c.description}`);
  out(`created     ${c.createdAt} by ${c.createdBy}`);
  for (const h of c.holds ?? []) out(`hold        ${h.id}  ${h.status.padEnd(9)} ${h.name}`);
}

export function printCases(cases: CaseRecord[], nextCursor: string | undefined, out: Out): void {
  for (const c of cases) out(`${c.id}  ${c.createdAt.slice(0, 10)}  ${c.name}`);
  if (nextCursor) out(`more: --cursor ${nextCursor}`);
}

export function printHold(h: HoldView, out: Out): void {
  out(`hold        ${h.id}  ${h.name}`);
  out(`case        ${h.caseId}`);
  out(`status      ${h.status}, ${h.members} message${h.members === 1 ? '' : 's'} held`);
  out(`scope       ${describeScope(h.scope)}`);
  out(`placed      ${h.createdAt} by ${h.createdBy} (apply job ${h.applyJobId})`);
  if (h.release) {
    const approved = h.release.approvedBy ? `, approved by ${h.release.approvedBy}` : '';
    out(`release     ${h.release.requestedAt} by ${h.release.requestedBy}${approved}: ${h.release.reason}`);
  }
  if (h.releasedAt) out(`released    ${h.releasedAt}`);
}

export function printHolds(holds: HoldView[], out: Out): void {
  if (holds.length === 0) out('no holds');
  for (const h of holds) out(`${h.id}  ${h.status.padEnd(9)} ${String(h.members).padStart(7)}  ${h.caseId}  ${h.name}`);
}

export function printPreview(p: { count: number; sample: SearchHit[] }, out: Out): void {
  out(`${p.count} message${p.count === 1 ? '' : 's'} would be held${p.sample.length ? '; for example:' : ''}`);
  for (const hit of p.sample) out(`${hit.id}  ${hit.sent.slice(0, 10)}  ${truncate(hit.from ?? '-', 32)}  ${truncate(hit.subject ?? '(no subject)', 60)}`);
}

export function printJob(job: JobView, out: Out): void {
  const finished = job.finishedAt ? `, finished ${job.finishedAt}` : '';
  out(`job         ${job.id}  ${job.kind} of ${job.target}: ${job.status}, ${job.done}/${job.total}${finished}${job.error ? `: ${job.error}` : ''}`);
}

export function printApproval(a: ApprovalRecord, out: Out): void {
  const decided = a.decidedBy ? ` by ${a.decidedBy} at ${a.decidedAt ?? '?'}` : ' (a second officer approves: coffer hold approve ' + a.id + ')';
  out(`approval    ${a.id}  release of ${a.target}: ${a.status}${decided}`);
  out(`reason      ${a.reason} (asked by ${a.requestedBy})`);
}

export function printPolicies(policies: RetentionPolicy[], out: Out): void {
  for (const p of policies) out(`${p.id.padEnd(32)} ${String(p.days).padStart(6)} days  ${p.name}${p.isDefault ? ' (default: every message)' : `  query: ${p.query || '(all)'}`}`);
}

export function printDisposition(r: DispositionReport, out: Out): void {
  const verb = r.dryRun ? 'would be disposed of' : 'disposed of';
  out(`${r.scanned} messages scanned at ${r.at}: ${r.dryRun ? r.eligible : r.disposed} ${verb}, ${r.held} past retention but held, ${r.storeLocked} still locked in the store`);
  if (r.deferred) out(`stopped early: ${r.deferred}`);
  for (const c of r.candidates) out(`${c.id}  sent ${c.sent.slice(0, 10)}  retained until ${c.retainUntil.slice(0, 10)}  policy ${c.policy ?? '-'}`);
}

export function printAudit(entries: AuditEntry[], nextCursor: string | undefined, out: Out): void {
  for (const e of entries) {
    const extra = [e.target, e.query !== undefined ? `query ${JSON.stringify(e.query)}` : undefined, e.count !== undefined ? `count ${e.count}` : undefined].filter(Boolean);
    out(`${String(e.seq).padStart(6)}  ${e.at}  ${e.actor} (${e.role})  ${e.action}${extra.length ? `  ${extra.join('  ')}` : ''}`);
  }
  if (nextCursor) out(`more: --cursor ${nextCursor}`);
}

export function printAuditVerify(r: AuditVerifyResult, out: Out): void {
  if (r.ok) out(`audit log intact: ${r.entries} entries chained, ${r.sealedThrough} confirmed by seals in the write-once store`);
  else out(`audit log BROKEN at entry ${r.firstBrokenSeq ?? '?'}: ${r.reason ?? 'unknown reason'} (${r.entries} entries verified before it)`);
}

function describeScope(scope: HoldRecord['scope']): string {
  const parts = [
    scope.custodians?.length ? `custodians ${scope.custodians.join(', ')}` : '',
    scope.query ? `query ${JSON.stringify(scope.query)}` : '',
    scope.sentFrom || scope.sentTo ? `sent ${scope.sentFrom ?? '…'} to ${scope.sentTo ?? '…'}` : '',
  ];
  return parts.filter(Boolean).join('; ');
}

function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}
