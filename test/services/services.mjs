#!/usr/bin/env node
// Real services for the AWS adapter tests: moto (S3 with Object Lock, DynamoDB) and a single-node
// OpenSearch 2.19.6. Plain Node ESM, no dependencies, so it runs before anything is compiled.
//
//   node test/services/services.mjs start [moto|opensearch]   start (or reuse) and wait until ready
//   node test/services/services.mjs stop  [moto|opensearch]   stop what the pidfiles point at
//   node test/services/services.mjs status                    print what answers where
//
// Everything lives under <repo>/.services/ (gitignored): logs, pidfiles, OpenSearch install and data,
// and cache/ with the downloaded zip. vitest's globalSetup (global-setup.ts) imports startServices().
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync, rmSync, statSync, readdirSync, copyFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { homedir } from 'node:os';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SERVICES_DIR = process.env.COFFER_SERVICES_DIR ?? join(ROOT, '.services');

// Ports are fixed for the suite; the overrides exist only to run a second copy beside a live one.
export const MOTO_PORT = Number(process.env.COFFER_SERVICES_MOTO_PORT ?? 5055);
export const MOTO_URL = `http://127.0.0.1:${MOTO_PORT}`;
export const OPENSEARCH_VERSION = '2.19.6';
export const OPENSEARCH_PORT = Number(process.env.COFFER_SERVICES_OPENSEARCH_PORT ?? 9255);
export const OPENSEARCH_TRANSPORT_PORT = OPENSEARCH_PORT + 100;
export const OPENSEARCH_URL = `http://127.0.0.1:${OPENSEARCH_PORT}`;
const OPENSEARCH_ARTIFACT = `org.opensearch.distribution.integ-test-zip:opensearch:${OPENSEARCH_VERSION}:zip`;
// Pinned: Maven 3.8's default dependency plugin (2.8) cannot `copy` from the command line without a pom.
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.6.1';
const OPENSEARCH_READY_TIMEOUT_MS = 180_000;
const MOTO_READY_TIMEOUT_MS = 60_000;

// Pinned: moto_server.py patches its DynamoDB transactions (and keeps working unpatched if they move).
const MOTO_VERSION = '5.2.1';
const PYTHON = process.env.COFFER_PYTHON ?? 'python3';

// Per-port names, so a second copy on override ports never touches the first one's pid or data.
const paths = {
  motoLog: join(SERVICES_DIR, `moto-${MOTO_PORT}.log`),
  motoPid: join(SERVICES_DIR, `moto-${MOTO_PORT}.pid`),
  cache: join(SERVICES_DIR, 'cache'),
  zip: join(SERVICES_DIR, 'cache', `opensearch-${OPENSEARCH_VERSION}.zip`),
  osHome: join(SERVICES_DIR, `opensearch-${OPENSEARCH_VERSION}`),
  osData: join(SERVICES_DIR, `opensearch-${OPENSEARCH_PORT}-data`),
  osLogs: join(SERVICES_DIR, `opensearch-${OPENSEARCH_PORT}-logs`),
  osStdout: join(SERVICES_DIR, `opensearch-${OPENSEARCH_PORT}.log`),
  osPid: join(SERVICES_DIR, `opensearch-${OPENSEARCH_PORT}.pid`),
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let quiet = false;
const log = (msg) => {
  if (!quiet) process.stderr.write(`[services] ${msg}\n`);
};

function tail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}

/** GET url; resolves { status, body } or null if nothing answers. */
async function probe(url, timeoutMs = 2_000) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
  } catch {
    return null;
  }
}

function readPid(file) {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Run to completion without blocking the event loop (pip and mvn can then run side by side). */
function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (err) => resolve({ ok: false, out: `${out}${String(err)}` }));
    child.on('close', (code) => resolve({ ok: code === 0, out }));
  });
}

function lastLines(text, n = 15) {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

// ---------------------------------------------------------------- moto

async function motoAnswers() {
  // moto's management API; any HTTP answer means the server is up.
  const r = await probe(`${MOTO_URL}/moto-api/`);
  return r !== null;
}

async function ensureMotoInstalled() {
  const check = await run(PYTHON, ['-c', 'import moto.server, flask, flask_cors']);
  if (check.ok) return;
  if (/ENOENT/.test(check.out)) throw new Error(`${PYTHON} not found (install Python 3, or point COFFER_PYTHON at one); moto needs it`);
  log(`moto[server] not importable by ${PYTHON}; pip installing it`);
  const t0 = Date.now();
  const args = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `moto[server]==${MOTO_VERSION}`];
  let r = await run(PYTHON, args);
  // Debian/Ubuntu system Pythons refuse without this (PEP 668); we are a throwaway test machine.
  if (!r.ok && /externally-managed-environment/.test(r.out)) r = await run(PYTHON, [...args, '--break-system-packages']);
  if (!r.ok) throw new Error(`pip install 'moto[server]' failed:\n${lastLines(r.out)}`);
  if (!(await run(PYTHON, ['-c', 'import moto.server'])).ok) throw new Error(`pip installed moto but ${PYTHON} still cannot import moto.server`);
  log(`moto installed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

export async function startMoto() {
  if (await motoAnswers()) {
    log(`moto already answers on ${MOTO_URL}; reusing it`);
    return MOTO_URL;
  }
  await ensureMotoInstalled();
  mkdirSync(SERVICES_DIR, { recursive: true });
  const t0 = Date.now();
  const out = openSync(paths.motoLog, 'w');
  const child = spawn(PYTHON, [join(ROOT, 'test', 'services', 'moto_server.py'), '-H', '127.0.0.1', '-p', String(MOTO_PORT)], {
    cwd: SERVICES_DIR,
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  let exited = null;
  child.on('exit', (code, signal) => (exited = signal ?? code));
  child.unref();
  writeFileSync(paths.motoPid, `${child.pid}\n`);
  while (Date.now() - t0 < MOTO_READY_TIMEOUT_MS) {
    if (await motoAnswers()) {
      log(`moto up on ${MOTO_URL} in ${((Date.now() - t0) / 1000).toFixed(1)} s (pid ${child.pid}, log ${paths.motoLog})`);
      return MOTO_URL;
    }
    if (exited !== null) break;
    await sleep(250);
  }
  const why = exited !== null ? `exited (${exited})` : `did not answer within ${MOTO_READY_TIMEOUT_MS / 1000} s`;
  throw new Error(`moto server ${why}; tail of ${paths.motoLog}:\n${tail(paths.motoLog)}`);
}

// ---------------------------------------------------------------- OpenSearch

async function openSearchAnswers() {
  const r = await probe(`${OPENSEARCH_URL}/`);
  return r !== null && r.status === 200 && r.body.includes('"cluster_name"');
}

async function javaHome() {
  if (process.env.JAVA_HOME && existsSync(join(process.env.JAVA_HOME, 'bin', 'java'))) return process.env.JAVA_HOME;
  const r = await run('java', ['-XshowSettings:properties', '-version']);
  if (!r.ok) throw new Error('Java not found: set JAVA_HOME or put java (17 or newer) on PATH (e.g. apt-get install openjdk-17-jre-headless)');
  const home = /java\.home = (.+)/.exec(r.out)?.[1]?.trim();
  const major = Number(/java\.specification\.version = (\d+)/.exec(r.out)?.[1] ?? 0);
  if (major < 11) throw new Error(`OpenSearch ${OPENSEARCH_VERSION} needs Java 11+ (17 recommended); found Java ${major}`);
  if (!home) throw new Error('could not determine java.home from `java -XshowSettings:properties -version`');
  return home;
}

async function ensureOpenSearchZip() {
  if (existsSync(paths.zip) && statSync(paths.zip).size > 1_000_000) return;
  mkdirSync(paths.cache, { recursive: true });
  const m2 = join(homedir(), '.m2', 'repository', 'org', 'opensearch', 'distribution', 'integ-test-zip', 'opensearch', OPENSEARCH_VERSION, `opensearch-${OPENSEARCH_VERSION}.zip`);
  if (existsSync(m2) && statSync(m2).size > 1_000_000) {
    copyFileSync(m2, paths.zip);
    return;
  }
  log(`downloading ${OPENSEARCH_ARTIFACT} from Maven Central`);
  const t0 = Date.now();
  const r = await run('mvn', ['-B', '-q', `${DEPENDENCY_PLUGIN}:copy`, `-Dartifact=${OPENSEARCH_ARTIFACT}`, `-DoutputDirectory=${paths.cache}`], {
    cwd: paths.cache, // no pom here: a standalone invocation
  });
  if (!r.ok || !existsSync(paths.zip)) {
    const hint = /ENOENT/.test(r.out) ? ' (mvn not on PATH: apt-get install maven)' : '';
    throw new Error(`mvn could not fetch ${OPENSEARCH_ARTIFACT}${hint}:\n${lastLines(r.out)}`);
  }
  log(`downloaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

async function ensureOpenSearchUnpacked() {
  const launcher = join(paths.osHome, 'bin', 'opensearch');
  if (existsSync(launcher)) return;
  await ensureOpenSearchZip();
  rmSync(paths.osHome, { recursive: true, force: true });
  const r = await run('unzip', ['-q', '-o', paths.zip, '-d', SERVICES_DIR]);
  if (!r.ok) {
    // No unzip binary: Python's zipfile does the same job (it loses the exec bits, restored below).
    const py = await run(PYTHON, ['-m', 'zipfile', '-e', paths.zip, SERVICES_DIR]);
    if (!py.ok) throw new Error(`could not unpack ${paths.zip}:\n${lastLines(r.out)}\n${lastLines(py.out)}`);
    for (const f of readdirSync(join(paths.osHome, 'bin'))) await run('chmod', ['+x', join(paths.osHome, 'bin', f)]);
  }
  if (!existsSync(launcher)) throw new Error(`${paths.zip} did not contain opensearch-${OPENSEARCH_VERSION}/bin/opensearch`);
}

/**
 * OpenSearch refuses to run as root ("can not run opensearch as root"). When we are root (CI containers,
 * this dev VM) it runs as COFFER_OPENSEARCH_USER, else $SUDO_UID, else the repo's owner if not root,
 * else `nobody`; the install, data and log dirs are chowned to that user.
 */
async function runAsUser() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const ownerUid = statSync(ROOT).uid;
  const name = process.env.COFFER_OPENSEARCH_USER ?? process.env.SUDO_UID ?? (ownerUid !== 0 ? String(ownerUid) : 'nobody');
  const uid = await run('id', ['-u', name]);
  const gid = await run('id', ['-g', name]);
  if (!uid.ok || !gid.ok) throw new Error(`running as root and OpenSearch cannot run as root; user "${name}" to run it as does not exist (set COFFER_OPENSEARCH_USER)`);
  return { name, uid: Number(uid.out.trim()), gid: Number(gid.out.trim()) };
}

export async function startOpenSearch() {
  if (await openSearchAnswers()) {
    log(`OpenSearch already answers on ${OPENSEARCH_URL}; reusing it`);
    await waitForHealth(Date.now() + 30_000);
    return OPENSEARCH_URL;
  }
  const home = await javaHome();
  await ensureOpenSearchUnpacked();
  mkdirSync(paths.osData, { recursive: true });
  mkdirSync(paths.osLogs, { recursive: true });
  const user = await runAsUser();
  if (user) {
    for (const dir of [paths.osHome, paths.osData, paths.osLogs]) {
      const r = await run('chown', ['-R', `${user.uid}:${user.gid}`, dir]);
      if (!r.ok) throw new Error(`chown ${dir} to ${user.name} failed: ${r.out}`);
    }
  }
  const t0 = Date.now();
  const settings = {
    'cluster.name': 'coffer-test',
    'node.name': 'coffer-test-node',
    'discovery.type': 'single-node',
    'network.host': '127.0.0.1',
    'http.port': OPENSEARCH_PORT,
    'transport.port': OPENSEARCH_TRANSPORT_PORT,
    'path.data': paths.osData,
    'path.logs': paths.osLogs,
    'bootstrap.memory_lock': false,
    'cluster.routing.allocation.disk.threshold_enabled': false,
    'action.auto_create_index': true,
  };
  const out = openSync(paths.osStdout, 'w');
  const child = spawn(join(paths.osHome, 'bin', 'opensearch'), Object.entries(settings).map(([k, v]) => `-E${k}=${v}`), {
    cwd: paths.osHome,
    detached: true,
    stdio: ['ignore', out, out],
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
    env: {
      ...process.env,
      ...(user ? { HOME: paths.osHome, USER: user.name } : {}),
      JAVA_HOME: home,
      OPENSEARCH_JAVA_HOME: home,
      OPENSEARCH_JAVA_OPTS: '-Xms512m -Xmx512m',
      OPENSEARCH_PATH_CONF: join(paths.osHome, 'config'),
    },
  });
  closeSync(out);
  let exited = null;
  child.on('exit', (code, signal) => (exited = signal ?? code));
  child.unref();
  writeFileSync(paths.osPid, `${child.pid}\n`);
  const deadline = t0 + OPENSEARCH_READY_TIMEOUT_MS;
  while (Date.now() < deadline && exited === null && !(await openSearchAnswers())) await sleep(500);
  if (exited === null && (await openSearchAnswers())) {
    await waitForHealth(deadline);
    log(`OpenSearch up on ${OPENSEARCH_URL} in ${((Date.now() - t0) / 1000).toFixed(1)} s (pid ${child.pid}, log ${paths.osStdout})`);
    return OPENSEARCH_URL;
  }
  const why = exited !== null ? `exited (${exited}) during startup` : `did not answer within ${OPENSEARCH_READY_TIMEOUT_MS / 1000} s`;
  if (exited === null) stopPid(paths.osPid);
  throw new Error(`OpenSearch ${why}; tail of ${paths.osStdout}:\n${tail(paths.osStdout)}`);
}

async function waitForHealth(deadline) {
  let last = '';
  while (Date.now() < deadline) {
    const r = await probe(`${OPENSEARCH_URL}/_cluster/health?wait_for_status=yellow&timeout=10s`, 15_000);
    if (r?.status === 200) {
      const status = JSON.parse(r.body).status;
      if (status === 'green' || status === 'yellow') return status;
    }
    last = r ? `${r.status} ${r.body}` : 'no answer';
    await sleep(500);
  }
  throw new Error(`OpenSearch cluster health never reached yellow (last: ${last}); tail of ${paths.osStdout}:\n${tail(paths.osStdout)}`);
}

// ---------------------------------------------------------------- stop / status

function stopPid(pidFile) {
  const pid = readPid(pidFile);
  if (pid && alive(pid)) {
    try {
      process.kill(-pid, 'SIGTERM'); // the detached child leads its own process group
    } catch {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
  }
  rmSync(pidFile, { force: true });
  return pid;
}

async function waitGone(check, ms = 30_000) {
  const end = Date.now() + ms;
  while (Date.now() < end && (await check())) await sleep(250);
  return !(await check());
}

export async function stopServices(which = ['moto', 'opensearch']) {
  if (which.includes('moto')) {
    const pid = stopPid(paths.motoPid);
    const gone = await waitGone(motoAnswers, 10_000);
    log(pid ? `moto (pid ${pid}) ${gone ? 'stopped' : 'still answering'}` : `no moto pidfile${gone ? '' : `; something else answers on ${MOTO_URL}`}`);
  }
  if (which.includes('opensearch')) {
    const pid = stopPid(paths.osPid);
    const gone = await waitGone(openSearchAnswers, 30_000);
    log(pid ? `OpenSearch (pid ${pid}) ${gone ? 'stopped' : 'still answering'}` : `no OpenSearch pidfile${gone ? '' : `; something else answers on ${OPENSEARCH_URL}`}`);
  }
}

export async function status() {
  const os = await probe(`${OPENSEARCH_URL}/_cluster/health`);
  return {
    moto: { url: MOTO_URL, up: await motoAnswers(), pid: readPid(paths.motoPid) },
    opensearch: { url: OPENSEARCH_URL, up: os?.status === 200, health: os?.status === 200 ? JSON.parse(os.body).status : null, pid: readPid(paths.osPid) },
  };
}

/**
 * Start (or reuse) both services concurrently. Never throws: each entry is { url } or { error }.
 * Env overrides: COFFER_TEST_MOTO_URL / COFFER_TEST_OPENSEARCH_URL already set → use that service as given
 * (not started here); COFFER_TEST_SKIP_SERVICES=1 → start nothing and record why.
 */
export async function startServices({ silent = false } = {}) {
  quiet = silent;
  const one = async (name, envUrl, start) => {
    if (process.env.COFFER_TEST_SKIP_SERVICES === '1') return { error: `${name} not started: COFFER_TEST_SKIP_SERVICES=1` };
    if (envUrl) return { url: envUrl, external: true };
    try {
      return { url: await start() };
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  };
  const [moto, opensearch] = await Promise.all([
    one('moto', process.env.COFFER_TEST_MOTO_URL, startMoto),
    one('OpenSearch', process.env.COFFER_TEST_OPENSEARCH_URL, startOpenSearch),
  ]);
  return { moto, opensearch };
}

// ---------------------------------------------------------------- CLI

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [cmd = 'status', ...rest] = process.argv.slice(2);
  const which = rest.length ? rest : ['moto', 'opensearch'];
  const t0 = Date.now();
  if (which.some((name) => name !== 'moto' && name !== 'opensearch')) {
    console.error(`unknown service in: ${which.join(' ')} (moto, opensearch)`);
    process.exit(2);
  }
  if (cmd === 'start') {
    const starters = { moto: startMoto, opensearch: startOpenSearch };
    const results = await Promise.allSettled(which.map((name) => starters[name]()));
    let failed = false;
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') console.log(`${which[i]}: ${r.value}`);
      else {
        failed = true;
        console.error(`${which[i]}: FAILED\n${r.reason instanceof Error ? r.reason.message : r.reason}`);
      }
    });
    log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    process.exitCode = failed ? 1 : 0;
  } else if (cmd === 'stop') {
    await stopServices(which);
  } else if (cmd === 'status') {
    console.log(JSON.stringify(await status(), null, 2));
  } else {
    console.error('usage: node test/services/services.mjs start|stop|status [moto|opensearch]');
    process.exitCode = 2;
  }
}
