import type { SearchOutput } from '../shared/search/search-messages.js';
import type { Delivery, MessageRecord } from '../shared/domain/records.js';
import type { VerifyReport } from '../shared/store/verify-store.js';
import type { ImportSummary } from './import/run-import.js';

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

function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}
