import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from './corpus.js';

export interface CliResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs the built `coffer` CLI (dist/coffer.mjs, built by `npm test`'s pretest) as a user would. */
export function coffer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'coffer.mjs'), ...args], {
      env: { ...process.env, COFFER_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
  });
}

export function cofferJson<T>(args: string[]): Promise<T> {
  return coffer([...args, '--json']).then((r) => {
    if (r.code !== 0) throw new Error(`coffer ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout.toString('utf8')) as T;
  });
}
