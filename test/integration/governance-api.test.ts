import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbedded } from '../../local/compose.js';
import type { Embedded } from '../../local/compose.js';
import { startServer } from '../../local/serve.js';
import type { RunningServer } from '../../local/serve.js';
import { parseCoreConfig } from '../../shared/config.js';
import type { Role } from '../../shared/domain/records.js';
import type { Actor } from '../../shared/app/actor.js';
import { bytesSource, silentLogger } from '../support/archive.js';
import { composeMail } from '../support/mail.js';
import { newJob } from '../../shared/holds/holds.js';

const ROLES: Role[] = ['admin', 'officer', 'auditor', 'legal-api'];

/** One `coffer serve` on its own data dir, with a user (token) per role and some mail. */
interface Site {
  archive: Embedded;
  server: RunningServer;
  dir: string;
  tokens: Record<string, string>;
  call(route: string, init?: RequestInit & { json?: unknown }, who?: string | null): Promise<Response>;
  get<T>(route: string, who?: string): Promise<T>;
}

async function openSite(core: Record<string, unknown>): Promise<Site> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'coffer-gov-api-'));
  const archive = openEmbedded({ dataDir: dir, core: parseCoreConfig(core), logger: silentLogger });
  const server = await startServer(archive, { host: '127.0.0.1', httpPort: 0, smtpPort: 0 });
  const tokens: Record<string, string> = { admin: server.adminToken ?? '' };
  for (const [name, role] of [
    ['olivia', 'officer'],
    ['oscar', 'officer'],
    ['audrey', 'auditor'],
    ['lex', 'legal-api'],
  ] as const) {
    tokens[name] = (await archive.tokens.issue(name, role)).token;
  }
  tokens.officer = tokens.olivia ?? '';
  tokens.auditor = tokens.audrey ?? '';
  tokens['legal-api'] = tokens.lex ?? '';
  const base = `http://127.0.0.1:${server.httpPort}`;
  const call: Site['call'] = (route, init = {}, who = 'admin') => {
    const { json, ...rest } = init;
    const token = who === null ? null : tokens[who];
    return fetch(`${base}${route}`, {
      ...rest,
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json', ...rest.headers },
    });
  };
  const get = async <T>(route: string, who = 'admin'): Promise<T> => {
    const response = await call(route, {}, who);
    expect(response.status, `${route}: ${await response.clone().text()}`).toBe(200);
    return (await response.json()) as T;
  };
  return { archive, server, dir, tokens, call, get };
}

async function closeSite(site: Site): Promise<void> {
  await site.archive.scheduler.idle();
  await site.server.close();
  site.archive.close();
  await fsp.rm(site.dir, { recursive: true, force: true });
}

/** Mail to a custodian, sent on a given day; returns the message id. */
async function deliver(archive: Embedded, custodian: string, subject: string, day: string): Promise<string> {
  const raw = await composeMail({ from: 'Board <board@acme.example>', to: custodian, subject, text: `About ${subject}.`, date: new Date(`${day}T10:00:00Z`) });
  const result = await archive.ingest.execute({ source: bytesSource(raw), from: 'import', envelope: { mailFrom: 'board@acme.example', rcptTo: [custodian] }, origin: null });
  return result.id;
}

interface Job {
  id: string;
  status: string;
  done: number;
  total: number;
  kind: string;
}
interface Hold {
  id: string;
  status: string;
  members: number;
  caseId: string;
  release: { reason: string; approvedBy: string | null } | null;
}
interface AuditEntry {
  seq: number;
  actor: string;
  role: string;
  action: string;
  target?: string;
  query?: string;
  count?: number;
  details?: Record<string, unknown>;
}

/** Polls a job over HTTP: once as it is, then after the in-process scheduler has run it, when it must be done. */
async function pollJob(site: Site, jobId: string, who: string): Promise<Job> {
  const first = await site.get<Job>(`/v1/jobs/${jobId}`, who);
  expect(['queued', 'running', 'done']).toContain(first.status);
  await site.archive.scheduler.idle();
  const job = await site.get<Job>(`/v1/jobs/${jobId}`, who);
  expect(job).toMatchObject({ id: jobId, status: 'done' });
  return job;
}

describe('governance over HTTP: cases, holds, jobs, retention, disposition, audit', () => {
  let site: Site;
  const held: string[] = [];
  let other: string;

  beforeAll(async () => {
    site = await openSite({});
    for (const [i, day] of ['2024-01-10', '2024-02-11', '2024-03-12', '2024-04-13', '2024-05-14'].entries()) {
      held.push(await deliver(site.archive, 'cfo@acme.example', `Falcon update ${i}`, day));
    }
    // Outside the scope: another custodian, and the right custodian outside the date range.
    other = await deliver(site.archive, 'intern@acme.example', 'Falcon coffee', '2024-02-01');
    await deliver(site.archive, 'cfo@acme.example', 'Falcon 2023', '2023-06-01');
  });
  afterAll(async () => {
    await closeSite(site);
  });

  const scope = { custodians: ['cfo@acme.example'], sentFrom: '2024-01-01', sentTo: '2024-12-31' };

  it('runs the legal system flow: case, dry run, hold, progress, members, release', async () => {
    const created = await site.call('/v1/cases', { method: 'POST', json: { name: 'Smith v. Acme', description: 'Project Falcon' } }, 'lex');
    expect(created.status).toBe(201);
    const theCase = (await created.json()) as { id: string; createdBy: string };
    expect(theCase.createdBy).toBe('lex');

    const preview = await site.call('/v1/holds/preview', { method: 'POST', json: { scope } }, 'lex');
    expect(preview.status).toBe(200);
    const dry = (await preview.json()) as { count: number; sample: { id: string }[] };
    expect(dry.count).toBe(5);
    expect(dry.sample.map((h) => h.id).sort()).toEqual([...held].sort());
    expect((await site.get<{ items: Hold[] }>('/v1/holds', 'lex')).items).toEqual([]);

    const placed = await site.call('/v1/holds', { method: 'POST', json: { caseId: theCase.id, name: 'Falcon CFO 2024', scope } }, 'lex');
    expect(placed.status).toBe(202);
    const { hold, job } = (await placed.json()) as { hold: Hold; job: Job };
    expect(hold).toMatchObject({ status: 'applying', caseId: theCase.id });
    expect(job).toMatchObject({ kind: 'hold.apply' });
    expect(job).not.toHaveProperty('cursor');

    expect(await pollJob(site, job.id, 'lex')).toMatchObject({ done: 5, total: 5 });
    expect(await site.get<Hold>(`/v1/holds/${hold.id}`, 'lex')).toMatchObject({ status: 'active', members: 5 });
    expect((await site.get<{ holdIds: string[] }>(`/v1/messages/${held[0]}`, 'olivia')).holdIds).toEqual([hold.id]);
    expect((await site.get<{ holdIds: string[] }>(`/v1/messages/${other}`, 'olivia')).holdIds).toEqual([]);

    const members: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await site.get<{ items: string[]; nextCursor?: string }>(`/v1/holds/${hold.id}/messages?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, 'lex');
      expect(page.items.length).toBeLessThanOrEqual(2);
      members.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(members.sort()).toEqual([...held].sort());

    expect((await site.get<{ holds: Hold[] }>(`/v1/cases/${theCase.id}`, 'lex')).holds.map((h) => h.id)).toEqual([hold.id]);
    expect((await site.get<{ items: Hold[] }>(`/v1/holds?caseId=${theCase.id}`, 'audrey')).items).toMatchObject([{ id: hold.id, members: 5 }]);
    expect((await site.get<{ items: Hold[] }>('/v1/holds?caseId=case-none', 'lex')).items).toEqual([]);

    const noReason = await site.call(`/v1/holds/${hold.id}/release`, { method: 'POST', json: {} }, 'lex');
    expect(noReason.status).toBe(400);
    const release = await site.call(`/v1/holds/${hold.id}/release`, { method: 'POST', json: { reason: 'Settled on 2024-06-01' } }, 'lex');
    expect(release.status).toBe(202);
    const released = (await release.json()) as { job: Job };
    expect(released.job.kind).toBe('hold.release');
    expect(await pollJob(site, released.job.id, 'lex')).toMatchObject({ done: 5 });
    expect(await site.get<Hold>(`/v1/holds/${hold.id}`, 'lex')).toMatchObject({ status: 'released', members: 0, release: { reason: 'Settled on 2024-06-01' } });
    expect((await site.get<{ holdIds: string[] }>(`/v1/messages/${held[0]}`, 'olivia')).holdIds).toEqual([]);

    const again = await site.call(`/v1/holds/${hold.id}/release`, { method: 'POST', json: { reason: 'twice' } }, 'lex');
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: 'HOLD.STATE' } });
  });

  it('answers a bad query in a hold scope with 400 and its column, before anything is stored', async () => {
    const theCase = (await (await site.call('/v1/cases', { method: 'POST', json: { name: 'Bad query' } }, 'olivia')).json()) as { id: string };
    const bad = { query: 'from:alice sent:2024-13-01' };
    for (const [route, body] of [
      ['/v1/holds/preview', { scope: bad }],
      ['/v1/holds', { caseId: theCase.id, name: 'Bad', scope: { ...bad, custodians: ['cfo@acme.example'] } }],
    ] as const) {
      const response = await site.call(route, { method: 'POST', json: body }, 'olivia');
      expect(response.status, route).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'QUERY.SYNTAX', column: 17 } });
    }
    expect((await site.get<{ items: Hold[] }>(`/v1/holds?caseId=${theCase.id}`, 'olivia')).items).toEqual([]);
  });

  it('refuses bodies over 64 KiB with 413, unknown fields and empty scopes with 400, unknown ids with 404', async () => {
    const big = await site.call('/v1/holds', { method: 'POST', json: { caseId: 'c', name: 'n', scope: { query: 'x'.repeat(100_000) } } }, 'olivia');
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: 'REQUEST.TOO_LARGE' } });
    const bigCase = await site.call('/v1/cases', { method: 'POST', json: { name: 'n', description: 'd'.repeat(70_000) } }, 'olivia');
    expect(bigCase.status).toBe(413);

    const unknown = await site.call('/v1/cases', { method: 'POST', json: { name: 'n', colour: 'red' } }, 'olivia');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: { code: 'REQUEST.INVALID' } });
    const empty = await site.call('/v1/holds/preview', { method: 'POST', json: { scope: {} } }, 'olivia');
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ error: { code: 'REQUEST.INVALID' } });
    const noCase = await site.call('/v1/holds', { method: 'POST', json: { caseId: 'case-none', name: 'n', scope } }, 'olivia');
    expect(noCase.status).toBe(404);
    expect(await noCase.json()).toMatchObject({ error: { code: 'CASE.NOT_FOUND' } });

    for (const [route, code] of [
      ['/v1/cases/case-none', 'CASE.NOT_FOUND'],
      ['/v1/holds/hold-none', 'HOLD.NOT_FOUND'],
      ['/v1/holds/hold-none/messages', 'HOLD.NOT_FOUND'],
      ['/v1/jobs/job-none', 'JOB.NOT_FOUND'],
    ] as const) {
      const response = await site.call(route, {}, 'olivia');
      expect(response.status, route).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code } });
    }
    const shorter = await site.call('/v1/retention-policies/default', { method: 'PUT', json: { days: 1 } });
    expect(shorter.status).toBe(422);
    expect(await shorter.json()).toMatchObject({ error: { code: 'POLICY.SHORTENS' } });
    expect((await site.call('/v1/retention-policies/policy-none', { method: 'PUT', json: { days: 9000 } })).status).toBe(404);
    expect((await site.call('/v1/audit?from=yesterday', {}, 'audrey')).status).toBe(400);
  });

  it('changes retention by a job and reports disposition (admin)', async () => {
    const created = await site.call('/v1/retention-policies', { method: 'POST', json: { name: 'Board', query: 'from:board@acme.example', days: 4000 } });
    expect(created.status).toBe(202);
    const { policy, job } = (await created.json()) as { policy: { id: string; days: number }; job: Job };
    expect(job.kind).toBe('retention.apply');
    expect(await pollJob(site, job.id, 'admin')).toMatchObject({ done: 7 });
    const record = await site.get<{ retainUntil: string; received: string }>(`/v1/messages/${held[0]}`, 'olivia');
    expect(Date.parse(record.retainUntil) - Date.parse(record.received)).toBe(4000 * 86_400_000);

    const updated = await site.call(`/v1/retention-policies/${policy.id}`, { method: 'PUT', json: { days: 4100 } });
    expect(updated.status).toBe(202);
    const change = (await updated.json()) as { policy: { days: number }; job: Job };
    expect(change.policy.days).toBe(4100);
    await pollJob(site, change.job.id, 'admin');
    const policies = await site.get<{ items: { id: string; isDefault: boolean }[] }>('/v1/retention-policies');
    expect(policies.items.map((p) => p.id)).toEqual(expect.arrayContaining(['default', policy.id]));

    const preview = await site.call('/v1/disposition/preview', { method: 'POST' });
    expect(preview.status).toBe(200);
    expect(await preview.json()).toMatchObject({ dryRun: true, eligible: 0, disposed: 0 });
    const run = await site.call('/v1/disposition', { method: 'POST' });
    expect(run.status).toBe(200);
    expect(await run.json()).toMatchObject({ dryRun: false, disposed: 0 });
  });

  it('puts searches, reads and hold actions on the audit log with their actor, and verifies the chain', async () => {
    expect((await site.call('/v1/search', { method: 'POST', json: { query: 'subject:falcon' } }, 'olivia')).status).toBe(200);
    expect((await site.call(`/v1/messages/${other}/deliveries`, {}, 'audrey')).status).toBe(200);
    const raw = await site.call(`/v1/messages/${other}/raw`, {}, 'olivia');
    expect(raw.status).toBe(200);
    await raw.arrayBuffer();

    const searches = await site.get<{ items: AuditEntry[] }>('/v1/audit?actor=olivia&action=search', 'audrey');
    expect(searches.items[0]).toMatchObject({ actor: 'olivia', role: 'officer', action: 'search', query: 'subject:falcon', count: 7 });
    const mine = await site.get<{ items: AuditEntry[] }>('/v1/audit?actor=olivia', 'audrey');
    expect(mine.items.map((e) => e.action)).toEqual(expect.arrayContaining(['search', 'message.read', 'message.raw', 'case.create']));
    expect(mine.items.find((e) => e.action === 'message.raw')?.target).toBe(other);
    const deliveries = await site.get<{ items: AuditEntry[] }>('/v1/audit?action=message.deliveries', 'audrey');
    expect(deliveries.items[0]).toMatchObject({ actor: 'audrey', role: 'auditor', target: other, count: 1 });

    const holds = await site.get<{ items: AuditEntry[] }>('/v1/audit?actor=lex', 'admin');
    const actions = holds.items.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['case.create', 'hold.preview', 'hold.create', 'hold.members', 'hold.release']));
    expect(holds.items.every((e) => e.role === 'legal-api' || e.role === 'system')).toBe(true);
    expect(holds.items.find((e) => e.action === 'hold.release')?.details).toMatchObject({ reason: 'Settled on 2024-06-01' });
    const preview = holds.items.find((e) => e.action === 'hold.preview');
    expect(preview).toMatchObject({ count: 5 });
    expect(JSON.parse(preview?.query ?? '{}')).toEqual(scope);

    const future = new Date(Date.now() + 86_400_000).toISOString();
    const windowed = await site.get<{ items: AuditEntry[] }>(`/v1/audit?from=${future}`, 'audrey');
    expect(windowed.items).toEqual([]);
    const paged = await site.get<{ items: AuditEntry[]; nextCursor?: string }>('/v1/audit?limit=2', 'audrey');
    expect(paged.items).toHaveLength(2);
    expect(paged.items[0]?.seq).toBeGreaterThan(paged.items[1]?.seq ?? Infinity);
    expect(paged.nextCursor).toBeTruthy();

    const verify = await site.get<{ ok: boolean; entries: number }>('/v1/audit/verify', 'audrey');
    expect(verify.ok).toBe(true);
    expect(verify.entries).toBeGreaterThan(10);
    // Looking at the log is on the log too.
    const looks = await site.get<{ items: AuditEntry[] }>('/v1/audit?action=audit.verify', 'admin');
    expect(looks.items[0]).toMatchObject({ actor: 'audrey', details: { ok: true } });
  });

  it('describes the new routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`http://127.0.0.1:${site.server.httpPort}/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/cases',
        '/v1/cases/{id}',
        '/v1/holds/preview',
        '/v1/holds',
        '/v1/holds/{id}',
        '/v1/holds/{id}/messages',
        '/v1/holds/{id}/release',
        '/v1/approvals/{id}/approve',
        '/v1/approvals/{id}/reject',
        '/v1/jobs/{id}',
        '/v1/retention-policies',
        '/v1/retention-policies/{id}',
        '/v1/disposition/preview',
        '/v1/disposition',
        '/v1/audit',
        '/v1/audit/verify',
      ]),
    );
  });
});

describe('roles and dual control over HTTP', () => {
  let site: Site;
  let message: string;
  let deliveryId: string;
  let caseId: string;
  let holdId: string;
  let jobId: string;
  const setup: Actor = { name: 'setup', role: 'officer' };
  const scope = { custodians: ['gc@acme.example'] };

  beforeAll(async () => {
    site = await openSite({ dualControl: true });
    message = await deliver(site.archive, 'gc@acme.example', 'Privileged memo', '2024-03-01');
    deliveryId = (await site.archive.read.deliveries(message))[0]?.id ?? '';
    caseId = (await site.archive.cases.create(setup, { name: 'Roles' })).id;
    const placed = await site.archive.holds.place(setup, { caseId, name: 'Roles hold', scope });
    holdId = placed.hold.id;
    jobId = placed.job.id;
    await site.archive.scheduler.idle();
  });
  afterAll(async () => {
    await closeSite(site);
  });

  /** A fresh active hold, so that each role's release attempt has its own. */
  const freshHold = async () => {
    const placed = await site.archive.holds.place(setup, { caseId, name: 'Fresh', scope });
    await site.archive.scheduler.idle();
    return placed.hold.id;
  };
  /** A pending release, asked for by someone else than whoever decides it. */
  const pendingApproval = async () => {
    const asked = await site.archive.holds.release(setup, await freshHold(), 'Matter closed');
    if (!('approval' in asked)) throw new Error('dual control is on: expected an approval');
    return asked.approval.id;
  };
  let days = 3000;

  type Case = { route: string; method?: string; body?: unknown; headers?: Record<string, string>; allowed: Role[]; ok: number; before?: () => Promise<string> };
  const matrix: Record<string, Case> = {
    'POST /v1/cases': { route: '/v1/cases', method: 'POST', body: { name: 'A case' }, allowed: ['officer', 'legal-api'], ok: 201 },
    'GET /v1/cases': { route: '/v1/cases', allowed: ['officer', 'legal-api'], ok: 200 },
    'GET /v1/cases/{id}': { route: '', before: async () => `/v1/cases/${caseId}`, allowed: ['officer', 'legal-api'], ok: 200 },
    'POST /v1/holds/preview': { route: '/v1/holds/preview', method: 'POST', body: { scope }, allowed: ['officer', 'legal-api'], ok: 200 },
    'POST /v1/holds': { route: '/v1/holds', method: 'POST', body: undefined, allowed: ['officer', 'legal-api'], ok: 202 },
    'GET /v1/holds': { route: '/v1/holds', allowed: ['officer', 'legal-api', 'auditor'], ok: 200 },
    'GET /v1/holds/{id}': { route: '', before: async () => `/v1/holds/${holdId}`, allowed: ['officer', 'legal-api', 'auditor'], ok: 200 },
    'GET /v1/holds/{id}/messages': { route: '', before: async () => `/v1/holds/${holdId}/messages`, allowed: ['officer', 'legal-api'], ok: 200 },
    'POST /v1/holds/{id}/release': { route: '', method: 'POST', body: { reason: 'Done' }, before: async () => `/v1/holds/${await freshHold()}/release`, allowed: ['officer', 'legal-api'], ok: 202 },
    'POST /v1/approvals/{id}/approve': { route: '', method: 'POST', before: async () => `/v1/approvals/${await pendingApproval()}/approve`, allowed: ['officer', 'legal-api'], ok: 202 },
    'POST /v1/approvals/{id}/reject': { route: '', method: 'POST', before: async () => `/v1/approvals/${await pendingApproval()}/reject`, allowed: ['officer', 'legal-api'], ok: 200 },
    'GET /v1/jobs/{id}': { route: '', before: async () => `/v1/jobs/${jobId}`, allowed: ['officer', 'legal-api', 'auditor'], ok: 200 },
    'GET /v1/retention-policies': { route: '/v1/retention-policies', allowed: [], ok: 200 },
    'POST /v1/retention-policies': { route: '/v1/retention-policies', method: 'POST', body: { name: 'Memos', query: 'subject:memo', days: 30 }, allowed: [], ok: 202 },
    'PUT /v1/retention-policies/{id}': { route: '/v1/retention-policies/default', method: 'PUT', allowed: [], ok: 202 },
    'POST /v1/disposition/preview': { route: '/v1/disposition/preview', method: 'POST', allowed: [], ok: 200 },
    'POST /v1/disposition': { route: '/v1/disposition', method: 'POST', allowed: [], ok: 200 },
    'GET /v1/audit': { route: '/v1/audit', allowed: ['auditor'], ok: 200 },
    'GET /v1/audit/verify': { route: '/v1/audit/verify', allowed: ['auditor'], ok: 200 },
    'POST /v1/search': { route: '/v1/search', method: 'POST', body: { query: 'subject:memo' }, allowed: ['officer', 'auditor'], ok: 200 },
    'GET /v1/messages/{id}': { route: '', before: async () => `/v1/messages/${message}`, allowed: ['officer', 'auditor'], ok: 200 },
    'GET /v1/messages/{id}/deliveries': { route: '', before: async () => `/v1/messages/${message}/deliveries`, allowed: ['officer', 'auditor'], ok: 200 },
    'GET /v1/messages/{id}/deliveries/{d}/evidence': {
      route: '',
      before: async () => `/v1/messages/${message}/deliveries/${deliveryId}/evidence`,
      allowed: ['officer', 'auditor'],
      ok: 200,
    },
    'GET /v1/messages/{id}/raw': { route: '', before: async () => `/v1/messages/${message}/raw`, allowed: ['officer'], ok: 200 },
    'POST /v1/messages': { route: '/v1/messages', method: 'POST', allowed: [], ok: 201, headers: { 'content-type': 'message/rfc822' } },
  };

  const bodyOf = (name: string, entry: Case): string | undefined => {
    if (name === 'POST /v1/holds') return JSON.stringify({ caseId, name: 'Placed', scope });
    if (name === 'PUT /v1/retention-policies/{id}') return JSON.stringify({ days: (days += 1) });
    if (name === 'POST /v1/messages') return `From: a@acme.example\r\nTo: gc@acme.example\r\nSubject: upload ${(days += 1)}\r\n\r\nbody\r\n`;
    return entry.body === undefined ? undefined : JSON.stringify(entry.body);
  };

  it.each(Object.entries(matrix))('%s: 2xx for the roles API.md lists, 403 for the others, 401 without a token', async (name, entry) => {
    for (const role of ROLES) {
      const route = entry.before ? await entry.before() : entry.route;
      const body = bodyOf(name, entry);
      const response = await site.call(route, { method: entry.method ?? 'GET', ...(body !== undefined ? { body } : {}), ...(entry.headers ? { headers: entry.headers } : {}) }, role);
      const text = await response.text();
      const expected = role === 'admin' || entry.allowed.includes(role) ? entry.ok : 403;
      expect(response.status, `${name} as ${role}: ${text.slice(0, 300)}`).toBe(expected);
      if (expected === 403) expect(JSON.parse(text)).toMatchObject({ error: { code: 'AUTH.FORBIDDEN' } });
    }
    const route = entry.before ? await entry.before() : entry.route;
    const anonymous = await site.call(route, { method: entry.method ?? 'GET' }, null);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: 'AUTH.MISSING' } });
    await site.archive.scheduler.idle();
  });

  it('releases under dual control only when a second officer approves', async () => {
    const hold = await freshHold();
    const asked = await site.call(`/v1/holds/${hold}/release`, { method: 'POST', json: { reason: 'Litigation ended' } }, 'olivia');
    expect(asked.status).toBe(202);
    const { approval } = (await asked.json()) as { approval: { id: string; status: string; requestedBy: string } };
    expect(approval).toMatchObject({ status: 'pending', requestedBy: 'olivia' });
    expect(await site.get<Hold>(`/v1/holds/${hold}`, 'olivia')).toMatchObject({ status: 'active' });

    const waiting = await site.get<{ items: { id: string }[] }>('/v1/approvals', 'oscar');
    expect(waiting.items.map((a) => a.id)).toContain(approval.id);
    const self = await site.call(`/v1/approvals/${approval.id}/approve`, { method: 'POST' }, 'olivia');
    expect(self.status).toBe(403);
    expect(await self.json()).toMatchObject({ error: { code: 'APPROVAL.SELF' } });
    expect(await site.get<Hold>(`/v1/holds/${hold}`, 'olivia')).toMatchObject({ status: 'active' });

    const second = await site.call(`/v1/approvals/${approval.id}/approve`, { method: 'POST' }, 'oscar');
    expect(second.status).toBe(202);
    const decided = (await second.json()) as { approval: { status: string; decidedBy: string }; job: Job };
    expect(decided.approval).toMatchObject({ status: 'approved', decidedBy: 'oscar' });
    await pollJob(site, decided.job.id, 'oscar');
    expect(await site.get<Hold>(`/v1/holds/${hold}`, 'oscar')).toMatchObject({ status: 'released', release: { reason: 'Litigation ended', approvedBy: 'oscar' } });

    const twice = await site.call(`/v1/approvals/${approval.id}/approve`, { method: 'POST' }, 'oscar');
    expect(twice.status).toBe(409);
    expect(await twice.json()).toMatchObject({ error: { code: 'APPROVAL.STATE' } });
    expect((await site.call('/v1/approvals/approval-none/reject', { method: 'POST' }, 'oscar')).status).toBe(404);

    // The approver starts the release; the entry names who asked and who approved.
    const log = await site.get<{ items: AuditEntry[] }>(`/v1/audit?action=hold.release`, 'audrey');
    expect(log.items[0]).toMatchObject({ actor: 'oscar', role: 'officer', target: hold, details: { requestedBy: 'olivia', approvedBy: 'oscar' } });
    const pending = await site.get<{ items: { id: string }[] }>('/v1/approvals', 'oscar');
    expect(pending.items.map((a) => a.id)).not.toContain(approval.id);
  });
});

describe('coffer serve and interrupted work', () => {
  it('resumes a job a stop left queued, and seals the audit log at shutdown', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'coffer-gov-resume-'));
    try {
      // A hold whose apply job was stored but never ran: the process stopped in between.
      const before = openEmbedded({ dataDir: dir, core: parseCoreConfig({}), logger: silentLogger });
      const id = await deliver(before, 'cfo@acme.example', 'Before the stop', '2024-01-01');
      const theCase = await before.cases.create({ name: 'setup', role: 'officer' }, { name: 'Resume' });
      const job = newJob({ id: 'job-interrupted', kind: 'hold.apply', target: 'hold-interrupted', actor: 'setup', createdAt: new Date().toISOString() });
      await before.governance.createHold(
        { id: 'hold-interrupted', caseId: theCase.id, name: 'Interrupted', scope: { custodians: ['cfo@acme.example'] }, status: 'applying', createdAt: job.createdAt, createdBy: 'setup', applyJobId: job.id, release: null, releasedAt: null, version: 1 },
        job,
      );
      before.close();

      const archive = openEmbedded({ dataDir: dir, core: parseCoreConfig({}), logger: silentLogger });
      const server = await startServer(archive, { host: '127.0.0.1', httpPort: 0, smtpPort: 0 });
      await archive.scheduler.idle();
      expect(await archive.governance.getJob(job.id)).toMatchObject({ status: 'done', done: 1 });
      expect(await archive.governance.getHold('hold-interrupted')).toMatchObject({ status: 'active' });
      expect(await archive.governance.holdsOf(id)).toEqual(['hold-interrupted']);

      const seals = async () => {
        const keys: string[] = [];
        for await (const key of archive.blobs.list('audit/seals/')) keys.push(key);
        return keys;
      };
      expect(await seals()).toEqual([]);
      await server.close();
      expect((await seals()).length).toBeGreaterThan(0);
      expect(await archive.audit.verify()).toMatchObject({ ok: true, sealedThrough: (await archive.audit.list({ limit: 1 })).items[0]?.seq });
      archive.close();
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});
