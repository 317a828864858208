/**
 * Baseline: `notmuch new` over the same message files. notmuch is a mature C/Xapian indexer
 * that reads maildirs in place, so it tells us what "fast" looks like on this machine for the
 * parse + full-text-index part of an import (it stores no copy of the mail).
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BenchError } from './bench-error.js';
import { diskUsage, linkTree } from './fs-tree.js';
import type { DiskUsage, MessageFile } from './fs-tree.js';
import { logTail, runMeasured } from './measure.js';
import type { Measured } from './measure.js';

export interface NotmuchRun {
  readonly measured: Measured;
  readonly database: DiskUsage;
  /** Files notmuch indexed; fewer than given means it skipped some as non-mail. */
  readonly indexedFiles: number;
  /** Distinct messages by Message-ID: notmuch merges files that share one. */
  readonly indexedMessages: number;
}

export function notmuchVersion(): string | null {
  const r = spawnSync('notmuch', ['--version'], { encoding: 'utf8' });
  return r.error === undefined && r.status === 0 ? r.stdout.trim() : null;
}

/** Installs notmuch from the distribution when we can (root + apt-get), saying so; otherwise explains. */
export function ensureNotmuch(log: (s: string) => void): string {
  const have = notmuchVersion();
  if (have !== null) return have;
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !hasApt) {
    throw new BenchError('notmuch is not installed; install it (Debian/Ubuntu: apt-get install notmuch) or run with --only coffer');
  }
  log('notmuch not found; running: apt-get update && apt-get install -y notmuch');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', 'notmuch']]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0) throw new BenchError(`apt-get ${args.join(' ')} failed; install notmuch by hand or run with --only coffer`);
  }
  const installed = notmuchVersion();
  if (installed === null) throw new BenchError('notmuch still not runnable after apt-get install');
  return installed;
}

/**
 * Runs one `notmuch new` in `workDir` on a fresh hard-link tree of `files`, with its own config
 * and HOME so that no user configuration, hooks or existing database can leak in.
 */
export async function runNotmuch(srcRoot: string, files: readonly MessageFile[], workDir: string): Promise<NotmuchRun> {
  const mailRoot = path.join(workDir, 'mail');
  const home = path.join(workDir, 'home');
  const configPath = path.join(workDir, 'notmuch-config');
  await linkTree(srcRoot, mailRoot, files);
  await mkdir(home, { recursive: true });
  await writeFile(
    configPath,
    [
      '[database]',
      `path=${mailRoot}`,
      '[new]',
      // No tags: tagging is extra work Coffer does not do on import.
      'tags=',
      'ignore=',
      '[maildir]',
      // The files sit in plain folders, not cur/new; never rename them.
      'synchronize_flags=false',
      '[user]',
      'name=Coffer benchmark',
      'primary_email=bench@example.invalid',
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    NOTMUCH_CONFIG: configPath,
  };

  const stderrPath = path.join(workDir, 'notmuch-new.stderr.log');
  const measured = await runMeasured({ cmd: 'notmuch', args: ['new'], cwd: workDir, env, stderrPath });
  if (measured.exitCode !== 0) {
    throw new BenchError(
      `notmuch new failed (exit ${measured.exitCode ?? measured.signal}); log: ${stderrPath}\n${await logTail(stderrPath)}`,
    );
  }

  const count = (args: string[]): number => {
    const r = spawnSync('notmuch', ['count', ...args, '*'], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new BenchError(`notmuch count ${args.join(' ')} failed`);
    return Number(r.stdout.trim());
  };
  return {
    measured,
    database: await diskUsage(path.join(mailRoot, '.notmuch')),
    indexedFiles: count(['--output=files']),
    indexedMessages: count([]),
  };
}
