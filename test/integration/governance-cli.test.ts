import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbedded } from '../../local/compose.js';
import { parseCoreConfig } from '../../shared/config.js';
import { silentLogger } from '../support/archive.js';
import { coffer } from '../support/cli.js';
import { composeMail } from '../support/mail.js';

/** The built CLI (dist/coffer.mjs) on one data dir, as an operator runs it. */
describe('coffer case|hold|policy|disposition|audit|job', () => {
  let root: string;
  let data: string;
  const me = `cli:${os.userInfo().username}`;

  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => coffer([...args, '--data', data], env);
  async function runJson<T>(args: string[], env: NodeJS.ProcessEnv = {}): Promise<T> {
    const result = await run([...args, '--json'], env);
    expect(result.code, `coffer ${args.join(' ')}: ${result.stderr}`).toBe(0);
    return JSON.parse(result.stdout.toString('utf8')) as T;
  }
  const text = async (args: string[]) => {
    const result = await run(args);
    expect(result.code, `coffer ${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result.stdout.toString('utf8');
  };

  beforeAll(async () => {
    root = await fsp.mkdtemp(path.join(os.tmpdir(), 'coffer-gov-cli-'));
    data = path.join(root, 'data');
    for (const [box, subjects] of [
      ['cfo', ['Falcon one', 'Falcon two', 'Falcon three']],
      ['intern', ['Falcon coffee']],
    ] as const) {
      const dir = path.join(root, box);
      await fsp.mkdir(dir);
      for (const [i, subject] of subjects.entries()) {
        await fsp.writeFile(path.join(dir, `${i}.eml`), await composeMail({ from: 'board@acme.example', to: `${box}@acme.example`, subject, text: subject }));
      }
      await runJson(['import', dir, '--custodian', `${box}@acme.example`]);
    }
  });
  afterAll(async () => {
    await fsp.rm(root, { recursive: true, force: true });
  });

  it('prints {name, role, token} for user add --json', async () => {
    const user = await runJson<{ name: string; role: string; token: string }>(['user', 'add', 'lex', '--role', 'legal-api']);
    expect(user).toEqual({ name: 'lex', role: 'legal-api', token: expect.stringMatching(/^coffer_[A-Za-z0-9_-]{20,}$/) });
  });

  it('opens a case, previews, places a hold and waits for it, pages members, releases it', async () => {
    const theCase = await runJson<{ id: string; name: string; createdBy: string }>(['case', 'create', 'Smith v. Acme', '--description', 'Project Falcon']);
    expect(theCase).toMatchObject({ name: 'Smith v. Acme', createdBy: me });
    expect((await runJson<{ items: { id: string }[] }>(['case', 'list'])).items.map((c) => c.id)).toContain(theCase.id);
    expect(await text(['case', 'list'])).toContain('Smith v. Acme');

    const preview = await runJson<{ count: number; sample: unknown[] }>(['hold', 'preview', '--custodian', 'cfo@acme.example', '--query', 'subject:falcon']);
    expect(preview.count).toBe(3);
    const bad = await run(['hold', 'preview', '--query', 'from:alice sent:2024-13-01']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('QUERY.SYNTAX');

    const placed = await runJson<{ hold: { id: string; status: string; members: number }; job: { id: string; status: string; done: number; total: number } }>([
      'hold', 'create', '--case', theCase.id, '--name', 'CFO mail', '--custodian', 'cfo@acme.example', '--sent-from', '2024-01-01',
    ]);
    expect(placed.hold).toMatchObject({ status: 'active', members: 3 });
    expect(placed.job).toMatchObject({ status: 'done', done: 3, total: 3 });
    expect(await runJson<{ status: string; kind: string }>(['job', 'show', placed.job.id])).toMatchObject({ status: 'done', kind: 'hold.apply' });
    expect(await text(['job', 'show', placed.job.id])).toContain('hold.apply');

    expect((await runJson<{ items: { id: string }[] }>(['hold', 'list', '--case', theCase.id])).items.map((h) => h.id)).toEqual([placed.hold.id]);
    expect((await runJson<{ holds: { id: string }[] }>(['case', 'show', theCase.id])).holds.map((h) => h.id)).toEqual([placed.hold.id]);
    const shown = await text(['hold', 'show', placed.hold.id]);
    expect(shown).toMatch(/status\s+active, 3 messages held/);

    const first = await runJson<{ items: string[]; nextCursor?: string }>(['hold', 'members', placed.hold.id, '--limit', '2']);
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toBeTruthy();
    const second = await runJson<{ items: string[]; nextCursor?: string }>(['hold', 'members', placed.hold.id, '--limit', '2', '--cursor', first.nextCursor ?? '']);
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeUndefined();
    expect(new Set([...first.items, ...second.items]).size).toBe(3);

    const noReason = await run(['hold', 'release', placed.hold.id]);
    expect(noReason.code).not.toBe(0);
    const released = await runJson<{ hold: { status: string; members: number; release: { reason: string } }; job: { status: string } }>([
      'hold', 'release', placed.hold.id, '--reason', 'Settled',
    ]);
    expect(released.hold).toMatchObject({ status: 'released', members: 0, release: { reason: 'Settled' } });
    expect(released.job.status).toBe('done');
  });

  it('asks for a second officer under dual control, and lets the CLI approve or reject', async () => {
    const dual = { COFFER_DUAL_CONTROL: 'true' };
    const theCase = await runJson<{ id: string }>(['case', 'create', 'Dual']);
    const hold = await runJson<{ hold: { id: string } }>(['hold', 'create', '--case', theCase.id, '--name', 'Intern', '--custodian', 'intern@acme.example'], dual);
    const asked = await runJson<{ approval: { id: string; status: string; requestedBy: string } }>(['hold', 'release', hold.hold.id, '--reason', 'Closed'], dual);
    expect(asked.approval).toMatchObject({ status: 'pending', requestedBy: me });
    const self = await run(['hold', 'approve', asked.approval.id], dual);
    expect(self.code).toBe(2);
    expect(self.stderr).toContain('APPROVAL.SELF');
    expect(await runJson<{ status: string }>(['hold', 'show', hold.hold.id])).toMatchObject({ status: 'active' });

    // An officer asks over the API; the operator at the CLI is the second person.
    const archive = openEmbedded({ dataDir: data, core: parseCoreConfig({ dualControl: true }), logger: silentLogger });
    const officer = { name: 'olivia', role: 'officer' } as const;
    const other = await archive.holds.place(officer, { caseId: theCase.id, name: 'Intern again', scope: { custodians: ['intern@acme.example'] } });
    await archive.scheduler.idle();
    // One pending request per hold: asking again is refused until it is decided.
    await expect(archive.holds.release(officer, hold.hold.id, 'Matter closed')).rejects.toMatchObject({ code: 'APPROVAL.STATE' });
    const third = await archive.holds.place(officer, { caseId: theCase.id, name: 'Intern, third', scope: { custodians: ['intern@acme.example'] } });
    await archive.scheduler.idle();
    const toApprove = await archive.holds.release(officer, third.hold.id, 'Matter closed');
    const toReject = await archive.holds.release(officer, other.hold.id, 'Too early?');
    archive.close();
    if (!('approval' in toApprove) || !('approval' in toReject)) throw new Error('dual control is on: expected approvals');

    const approved = await runJson<{ approval: { status: string; decidedBy: string }; job: { status: string }; hold: { status: string; release: { approvedBy: string } } }>(
      ['hold', 'approve', toApprove.approval.id],
      dual,
    );
    expect(approved).toMatchObject({ approval: { status: 'approved', decidedBy: me }, job: { status: 'done' }, hold: { status: 'released', release: { approvedBy: me } } });
    const rejected = await runJson<{ approval: { status: string }; job?: unknown }>(['hold', 'reject', toReject.approval.id], dual);
    expect(rejected.approval.status).toBe('rejected');
    expect(rejected.job).toBeUndefined();
    expect(await runJson<{ status: string }>(['hold', 'show', other.hold.id])).toMatchObject({ status: 'active' });
  });

  it('lists, adds and extends retention policies, and previews and runs disposition', async () => {
    const listed = await runJson<{ items: { id: string; isDefault: boolean }[] }>(['policy', 'list']);
    expect(listed.items).toMatchObject([{ id: 'default', isDefault: true }]);
    const created = await runJson<{ policy: { id: string; days: number }; job: { status: string; done: number } }>([
      'policy', 'create', '--name', 'Board', '--query', 'from:board@acme.example', '--days', '4000',
    ]);
    expect(created.job).toMatchObject({ status: 'done', done: 4 });
    const updated = await runJson<{ policy: { days: number }; job: { status: string } }>(['policy', 'update', created.policy.id, '--days', '4100']);
    expect(updated).toMatchObject({ policy: { days: 4100 }, job: { status: 'done' } });
    const shorter = await run(['policy', 'update', created.policy.id, '--days', '10']);
    expect(shorter.code).toBe(2);
    expect(shorter.stderr).toContain('POLICY.SHORTENS');
    expect(await text(['policy', 'list'])).toContain('Board');

    expect(await runJson(['disposition', 'preview'])).toMatchObject({ dryRun: true, scanned: 4, eligible: 0 });
    expect(await runJson(['disposition', 'run'])).toMatchObject({ dryRun: false, scanned: 4, disposed: 0 });
  });

  it('lists the audit trail with filters, verifies and seals it, and exits 1 when it was tampered with', async () => {
    await runJson(['search', 'subject:falcon']);
    const searches = await runJson<{ items: { actor: string; role: string; action: string; query?: string; count?: number }[] }>(['audit', 'list', '--action', 'search']);
    expect(searches.items[0]).toMatchObject({ actor: me, role: 'admin', action: 'search', query: 'subject:falcon', count: 4 });
    const holds = await runJson<{ items: { actor: string; action: string }[] }>(['audit', 'list', '--action', 'hold.create', '--actor', me]);
    expect(holds.items.length).toBe(2);
    const recent = await runJson<{ items: unknown[]; nextCursor?: string }>(['audit', 'list', '--limit', '3', '--from', '2000-01-01T00:00:00Z']);
    expect(recent.items).toHaveLength(3);
    expect(recent.nextCursor).toBeTruthy();
    expect((await runJson<{ items: unknown[] }>(['audit', 'list', '--to', '2000-01-01T00:00:00Z'])).items).toEqual([]);
    expect(await text(['audit', 'list', '--action', 'hold.release'])).toContain('hold.release');

    expect(await runJson(['audit', 'verify'])).toMatchObject({ ok: true });
    expect((await runJson<{ sealed: number }>(['audit', 'seal'])).sealed).toBeGreaterThan(10);
    expect((await runJson<{ sealed: number }>(['audit', 'seal'])).sealed).toBeLessThanOrEqual(2);

    const db = new Database(path.join(data, 'audit.db'));
    db.exec('DROP TRIGGER audit_entries_no_update');
    db.prepare("UPDATE audit_entries SET target = 'case-forged' WHERE seq = 2").run();
    db.close();
    const broken = await run(['audit', 'verify', '--json']);
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout.toString('utf8'))).toMatchObject({ ok: false, firstBrokenSeq: 2 });
    const said = await run(['audit', 'verify']);
    expect(said.code).toBe(1);
    expect(said.stdout.toString('utf8')).toContain('BROKEN at entry 2');
  });
});
