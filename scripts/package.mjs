#!/usr/bin/env node
// npm run package [-- --stage <stage>] [--region <region>] [--out <dir>] [--param key=value …]
//
// Builds what `osls deploy` would upload - the CloudFormation template and one zip per function -
// without an AWS account: osls `package` runs with placeholder credentials (it makes no AWS call),
// so the result depends only on the checkout. Prints each function's bundle size and fails if the
// ingest bundle reaches its budget.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Budgets for the uncompressed bundle (the .mjs Lambda loads), in bytes. */
const BUDGETS = { ingest: 1_500_000 };

const { values } = parseArgs({
  options: {
    stage: { type: 'string', default: 'dev' },
    region: { type: 'string', default: 'eu-west-1' },
    out: { type: 'string', default: 'dist/package' },
    param: { type: 'string', multiple: true, default: [] },
  },
});
const out = path.resolve(root, values.out);
const work = path.join(root, 'dist', `.esbuild-${process.pid}`);

const osls = path.join(path.dirname(createRequire(import.meta.url).resolve('osls/package.json')), 'bin', 'serverless.js');
const env = { ...process.env };
for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE']) delete env[name];
Object.assign(env, {
  // Placeholders: `package` reads credentials' presence, never uses them.
  AWS_ACCESS_KEY_ID: 'offline-package',
  AWS_SECRET_ACCESS_KEY: 'offline-package',
  AWS_REGION: values.region,
  AWS_DEFAULT_REGION: values.region,
  AWS_SDK_LOAD_CONFIG: '0',
  COFFER_ESBUILD_WORK_DIR: path.relative(root, work),
});

rmSync(out, { recursive: true, force: true });
const args = [osls, 'package', '--stage', values.stage, '--region', values.region, '--package', out, ...values.param.map((p) => `--param=${p}`)];
const run = spawnSync(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
rmSync(work, { recursive: true, force: true });
if (run.status !== 0) {
  console.error(`osls package failed (exit ${run.status ?? run.signal})`);
  process.exit(1);
}

const sizes = {};
for (const file of readdirSync(out).filter((f) => f.endsWith('.zip')).sort()) {
  const fn = file.replace(/\.zip$/, '');
  const entries = zipEntries(readFileSync(path.join(out, file)));
  const bundle = entries.filter((e) => e.name.endsWith('.mjs')).reduce((n, e) => n + e.size, 0);
  const maps = entries.filter((e) => e.name.endsWith('.map')).reduce((n, e) => n + e.size, 0);
  sizes[fn] = { zip: statSync(path.join(out, file)).size, bundle, sourceMap: maps, files: entries.map((e) => e.name) };
}
writeFileSync(path.join(out, 'bundle-sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);

const kb = (n) => `${(n / 1000).toFixed(0).padStart(6)} kB`;
console.log(`\nPackaged into ${path.relative(root, out)}/ (template: cloudformation-template-update-stack.json)`);
console.log('function     bundle (.mjs)       zip  source map');
let over = false;
for (const [fn, s] of Object.entries(sizes)) {
  const budget = BUDGETS[fn];
  const flag = budget && s.bundle >= budget ? `  OVER BUDGET (${kb(budget).trim()})` : '';
  over ||= Boolean(flag);
  console.log(`${fn.padEnd(12)} ${kb(s.bundle)} ${kb(s.zip)} ${kb(s.sourceMap)}${flag}`);
}
if (over) process.exit(1);

/** Names and uncompressed sizes from a zip's central directory. */
function zipEntries(zip) {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip file');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    entries.push({ name: zip.toString('utf8', at + 46, at + 46 + nameLength), size });
    at += 46 + nameLength + extra + comment;
  }
  return entries;
}
