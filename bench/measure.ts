/**
 * Runs a child process and measures wall time, peak RSS and CPU time.
 *
 * Peak RSS comes from GNU time (`/usr/bin/time -f %M`), which reads it from wait4()'s rusage
 * after the child exits: exact, and nothing can be missed between samples. ru_maxrss is the
 * high-water mark of the largest single process in the tree (not a sum), which is what we want
 * for "how much memory does one import need". Without GNU time we fall back to sampling
 * /proc/<pid>/status VmHWM, which can miss growth in the last sampling interval.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

export type RssMethod = 'gnu-time' | 'proc-vmhwm-sampling';

export interface Measured {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly wallSeconds: number;
  readonly peakRssBytes: number | null;
  readonly userSeconds: number | null;
  readonly systemSeconds: number | null;
  readonly stdout: string;
  readonly rssMethod: RssMethod;
}

export interface RunOptions {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** stderr goes to a file, not our terminal: progress bars would garble the table, and logs may be long. */
  readonly stderrPath: string;
}

const GNU_TIME = '/usr/bin/time';
let gnuTimeAvailable: boolean | undefined;

export function rssMethod(): RssMethod {
  // An escape hatch to compare the two methods, or to avoid a GNU time that misbehaves.
  if (process.env.COFFER_BENCH_RSS === 'proc') return 'proc-vmhwm-sampling';
  if (gnuTimeAvailable === undefined) {
    // BusyBox and shell-builtin `time` lack -o/-f, so only a GNU time binary qualifies.
    const r = spawnSync(GNU_TIME, ['--version'], { encoding: 'utf8' });
    gnuTimeAvailable = r.error === undefined && `${r.stdout}${r.stderr}`.includes('GNU');
  }
  return gnuTimeAvailable ? 'gnu-time' : 'proc-vmhwm-sampling';
}

const STDOUT_CAP = 16 * 1024 * 1024;

export async function runMeasured(opts: RunOptions): Promise<Measured> {
  const method = rssMethod();
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'coffer-bench-time-'));
  const timeFile = path.join(tmp, 'time.txt');
  const [cmd, args] =
    method === 'gnu-time'
      ? [GNU_TIME, ['-o', timeFile, '-f', 'maxrss_kb=%M user_s=%U sys_s=%S', opts.cmd, ...opts.args]]
      : [opts.cmd, [...opts.args]];

  const errFd = openSync(opts.stderrPath, 'w');
  let sampledHwmKiB = 0;
  let sampler: NodeJS.Timeout | undefined;
  try {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', errFd] });

    if (method === 'proc-vmhwm-sampling' && child.pid !== undefined) {
      const statusPath = `/proc/${child.pid}/status`;
      sampler = setInterval(() => {
        readFile(statusPath, 'utf8').then(
          (s) => {
            const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(s);
            if (m?.[1] !== undefined) sampledHwmKiB = Math.max(sampledHwmKiB, Number(m[1]));
          },
          () => undefined, // the process may have exited between samples
        );
      }, 20);
    }

    const chunks: Buffer[] = [];
    let stdoutBytes = 0;
    child.stdout?.on('data', (c: Buffer) => {
      if (stdoutBytes < STDOUT_CAP) chunks.push(c);
      stdoutBytes += c.length;
    });

    let exitedAt = 0;
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve, reject) => {
        child.on('error', reject);
        child.on('exit', () => {
          exitedAt = performance.now();
        });
        child.on('close', (c, s) => resolve({ code: c, signal: s }));
      },
    );
    const wallSeconds = (exitedAt - started) / 1000;
    if (sampler !== undefined) clearInterval(sampler);

    let peakRssBytes: number | null = null;
    let userSeconds: number | null = null;
    let systemSeconds: number | null = null;
    if (method === 'gnu-time') {
      const t = await readFile(timeFile, 'utf8').catch(() => '');
      const rss = /maxrss_kb=(\d+)/.exec(t)?.[1];
      const user = /user_s=([\d.]+)/.exec(t)?.[1];
      const sys = /sys_s=([\d.]+)/.exec(t)?.[1];
      if (rss !== undefined) peakRssBytes = Number(rss) * 1024;
      if (user !== undefined) userSeconds = Number(user);
      if (sys !== undefined) systemSeconds = Number(sys);
    } else if (sampledHwmKiB > 0) {
      peakRssBytes = sampledHwmKiB * 1024;
    }

    return {
      exitCode: code,
      signal,
      wallSeconds,
      peakRssBytes,
      userSeconds,
      systemSeconds,
      stdout: Buffer.concat(chunks).toString('utf8'),
      rssMethod: method,
    };
  } finally {
    if (sampler !== undefined) clearInterval(sampler);
    closeSync(errFd);
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Last `n` lines of a log, each cut short: enough to show a crash, too little to dump mail. */
export async function logTail(file: string, n = 8): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .trimEnd()
    .split('\n')
    .slice(-n)
    .map((l) => (l.length > 200 ? `${l.slice(0, 200)}…` : l))
    .join('\n');
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
