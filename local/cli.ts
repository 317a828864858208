import { Command, Option } from 'commander';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { loadLocalConfig } from './config.js';
import { openEmbedded } from './compose.js';
import type { Embedded } from './compose.js';
import { startServer } from './serve.js';
import { runImport } from './import/run-import.js';
import { progressReporter } from './progress.js';
import { printSearch, printRecord, printImportSummary, printVerify } from './print.js';
import { CofferError, QuerySyntaxError } from '../shared/errors.js';
import { ROLES } from '../shared/auth/authenticate.js';
import type { Role } from '../shared/domain/records.js';
import { VERSION } from './version.js';
import { cliActor, readsOf, registerGovernanceCommands } from './cli-governance.js';
import type { CommonOptions } from './cli-governance.js';

const program = new Command('coffer')
  .description('Coffer: a write-once mail archive with compliance search')
  .version(VERSION)
  .showHelpAfterError();

/** Every command takes --data and --json (API.md "CLI"). */
function common(cmd: Command): Command {
  return cmd.addOption(new Option('--data <dir>', 'data directory (default ./data)').env('COFFER_DATA')).option('--json', 'machine-readable output');
}

function command(name: string, description: string, parent: Command = program): Command {
  return common(parent.command(name).description(description));
}

function open(options: CommonOptions, logLevel = 'warn'): Embedded {
  const config = loadLocalConfig(options);
  return openEmbedded({ dataDir: config.dataDir, core: config.core, logLevel: process.env.COFFER_LOG_LEVEL ?? logLevel });
}

async function withArchive<T>(options: CommonOptions, work: (archive: Embedded) => Promise<T>): Promise<T> {
  const archive = open(options);
  try {
    return await work(archive);
  } finally {
    archive.close();
  }
}

const out = (text: string) => process.stdout.write(`${text}\n`);
const json = (value: unknown) => out(JSON.stringify(value, null, 2));

command('serve', 'run the HTTP API and the SMTP intake')
  .option('--host <host>', 'address to bind (default 127.0.0.1)')
  .option('--http-port <port>', 'HTTP port (default 8080)')
  .option('--smtp-port <port>', 'SMTP port (default 2525)')
  .action(async (options: CommonOptions) => {
    const config = loadLocalConfig(options);
    const archive = openEmbedded({ dataDir: config.dataDir, core: config.core, logLevel: config.logLevel });
    const server = await startServer(archive, config);
    const info = {
      http: `http://${config.host}:${server.httpPort}`,
      smtp: `${config.host}:${server.smtpPort}`,
      dataDir: config.dataDir,
      ...(server.adminToken ? { adminToken: server.adminToken } : {}),
    };
    if (options.json) json(info);
    else {
      out(`Coffer ${VERSION} is archiving.\n  API   ${info.http}/v1  (OpenAPI: ${info.http}/v1/openapi.json)\n  SMTP  ${info.smtp}\n  data  ${info.dataDir}`);
      if (server.adminToken) {
        out(`\nAdmin token (shown once, keep it safe; stored only as a hash):\n  ${server.adminToken}`);
      }
    }
    const stop = async () => {
      await server.close();
      archive.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

command('import', 'archive .eml files, mbox files and maildir or other directories')
  .argument('<paths...>', 'files or directories')
  .option('--custodian <address>', 'the mailbox these messages belong to (recorded as envelope recipient)')
  .option('--batch <n>', 'messages stored, indexed and catalogued together', '64')
  .action(async (paths: string[], options: CommonOptions & { custodian?: string; batch: string }) => {
    const summary = await withArchive(options, async (archive) => {
      const progress = progressReporter(!options.json && process.stderr.isTTY === true);
      try {
        return await runImport(archive.ingest, paths, {
          batchSize: Math.max(1, Number(options.batch) || 64),
          ...(options.custodian ? { custodian: options.custodian } : {}),
          onProgress: progress.update,
        });
      } finally {
        progress.stop();
      }
    });
    if (options.json) json(summary);
    else printImportSummary(summary, out);
    if (summary.failed > 0) process.exitCode = 1;
  });

command('search', 'search with the query language (see QUERY.md)')
  .argument('<query>', 'e.g. from:alice@example.com sent:2024-01 "merger agreement"')
  .option('--limit <n>', 'hits per page (max 500)', '50')
  .option('--cursor <cursor>', 'the nextCursor of a previous page')
  .addOption(new Option('--sort <order>', 'order by sent date').choices(['sent:desc', 'sent:asc']))
  .action(async (query: string, options: CommonOptions & { limit: string; cursor?: string; sort?: 'sent:desc' | 'sent:asc' }) => {
    const result = await withArchive(options, (archive) =>
      readsOf(archive)
        .search(cliActor(), {
          query,
          limit: Number(options.limit),
          ...(options.cursor ? { cursor: options.cursor } : {}),
          ...(options.sort ? { sort: options.sort } : {}),
        })
        .catch((err: unknown) => {
          // Point at the mistake under the query, as the user typed it.
          if (err instanceof QuerySyntaxError && !options.json) process.stderr.write(`  ${query}\n  ${' '.repeat(err.column - 1)}^\n`);
          throw err;
        }),
    );
    if (options.json) json(result);
    else printSearch(result, out);
  });

command('get', 'show a message record, or its exact bytes with --raw')
  .argument('<id>', 'message id (SHA-256)')
  .option('--raw', 'write the exact original bytes to stdout')
  .option('--evidence <deliveryId>', "write a delivery's evidence to stdout: its journal report, or its envelope record")
  .action(async (id: string, options: CommonOptions & { raw?: boolean; evidence?: string }) => {
    await withArchive(options, async (archive) => {
      const reads = readsOf(archive);
      const actor = cliActor();
      if (options.evidence) {
        await pipeline(Readable.from((await reads.evidence(actor, id, options.evidence)).body), process.stdout);
        return;
      }
      if (options.raw) {
        const raw = await reads.raw(actor, id);
        await pipeline(Readable.from(raw.body), process.stdout);
        return;
      }
      const record = await reads.record(actor, id);
      const deliveries = await reads.deliveries(actor, id);
      if (options.json) json({ ...record, deliveries });
      else printRecord(record, deliveries, out);
    });
  });

command('verify', 're-hash every stored message; exit 1 on any mismatch or missing object')
  .action(async (options: CommonOptions) => {
    const report = await withArchive(options, (archive) => archive.verify.execute());
    if (options.json) json(report);
    else printVerify(report, out);
    if (report.problems.length > 0) process.exitCode = 1;
  });

command('rebuild', 'recreate the catalog and the search index from the write-once store')
  .action(async (options: CommonOptions) => {
    const report = await withArchive(options, (archive) => archive.rebuild.execute());
    if (options.json) json(report);
    else out(`Rebuilt ${report.messages} messages and ${report.deliveries} deliveries from the store (${report.orphans} without an envelope record).`);
  });

const user = program.command('user').description('manage API users and tokens');
command('add', 'create a user (or replace its token) and print the token once', user)
  .argument('<name>')
  .addOption(new Option('--role <role>', 'the role').choices([...ROLES]).makeOptionMandatory())
  .action(async (name: string, options: CommonOptions & { role: Role }) => {
    const { user: created, token } = await withArchive(options, (archive) => archive.tokens.issue(name, options.role));
    if (options.json) json({ name: created.name, role: created.role, token });
    else out(`User ${created.name} (${created.role}). Token, shown once:\n  ${token}`);
  });
command('list', 'list users and their roles (never their tokens)', user)
  .action(async (options: CommonOptions) => {
    const users = await withArchive(options, (archive) => archive.catalog.listUsers());
    const shown = users.map((u) => ({ name: u.name, role: u.role, createdAt: u.createdAt }));
    if (options.json) json(shown);
    else for (const u of shown) out(`${u.name}\t${u.role}\t${u.createdAt}`);
  });
command('remove', 'remove a user; its token stops working', user)
  .argument('<name>')
  .action(async (name: string, options: CommonOptions) => {
    const removed = await withArchive(options, (archive) => archive.catalog.removeUser(name));
    if (options.json) json({ name, removed });
    else out(removed ? `Removed ${name}.` : `No user ${name}.`);
    if (!removed) process.exitCode = 1;
  });

registerGovernanceCommands({ program, command, withArchive, out, json });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CofferError) {
    process.stderr.write(`error ${err.code}: ${err.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 70;
  }
});
