import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteAuditLog } from '../../adapters/embedded/sqlite-audit-log.js';
import { aChain, auditLogContract } from './audit-log.contract.js';

auditLogContract('SqliteAuditLog', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'coffer-audit-'));
  const log = SqliteAuditLog.open(path.join(dir, 'audit.db'));
  return {
    log,
    cleanup: async () => {
      log.close();
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteAuditLog on disk', () => {
  it('refuses UPDATE and DELETE of entries through any connection (triggers), and restores the triggers when reopened', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'coffer-audit-'));
    const file = path.join(dir, 'audit.db');
    const log = SqliteAuditLog.open(file);
    const chain = aChain(3);
    for (const entry of chain) await log.append(entry);

    const raw = new Database(file);
    expect(() => raw.prepare("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 2").run()).toThrow(/append-only/);
    expect(() => raw.prepare('DELETE FROM audit_entries WHERE seq = 3').run()).toThrow(/append-only/);
    raw.exec('DROP TRIGGER audit_entries_no_update; DROP TRIGGER audit_entries_no_delete;');
    log.close();

    const reopened = SqliteAuditLog.open(file);
    expect(() => raw.prepare('DELETE FROM audit_entries WHERE seq = 3').run()).toThrow(/append-only/);
    expect(await reopened.range(1, 10)).toStrictEqual(chain);
    raw.close();
    reopened.close();
    await fsp.rm(dir, { recursive: true, force: true });
  });
});
