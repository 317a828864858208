import * as os from 'node:os';
import type { Command } from 'commander';
import type { Embedded } from './compose.js';
import type { LocalFlags } from './config.js';
import type { Principal } from '../shared/auth/authenticate.js';
import type { HoldScope } from '../shared/domain/governance.js';
import { AuditedReads } from '../shared/app/audited-reads.js';
import { toJobView } from '../shared/http/governance-schemas.js';
import type { JobView } from '../shared/http/governance-schemas.js';
import { CofferError } from '../shared/errors.js';
import {
  printApproval,
  printAudit,
  printAuditVerify,
  printCase,
  printCases,
  printDisposition,
  printHold,
  printHolds,
  printJob,
  printPolicies,
  printPreview,
} from './print.js';

export interface CommonOptions extends LocalFlags {
  json?: boolean;
}

/** What cli.ts shares with the governance commands. */
export interface CliKit {
  program: Command;
  command(name: string, description: string, parent?: Command): Command;
  withArchive<T>(options: CommonOptions, work: (archive: Embedded) => Promise<T>): Promise<T>;
  out(text: string): void;
  json(value: unknown): void;
}

/**
 * Who the CLI acts as: the local administrator, named after the operating-system account that ran
 * it, so the audit trail says `cli:alice` (role admin). Whoever can open the data directory can
 * already do anything to it; the name is what makes the record useful.
 */
export function cliActor(): Principal {
  let user: string;
  try {
    user = os.userInfo().username;
  } catch {
    user = process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
  return { name: `cli:${user}`, role: 'admin' };
}

export function readsOf(archive: Embedded): AuditedReads {
  return new AuditedReads(archive);
}

const collect = (value: string, previous: string[]) => [...previous, value];

function integer(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw new CofferError('REQUEST.INVALID', `${name}: expected a whole number, got ${value}`);
    return n;
  };
}

function instant(name: string) {
  return (value: string): Date => {
    const at = new Date(value);
    if (Number.isNaN(at.getTime())) throw new CofferError('REQUEST.INVALID', `${name}: expected an ISO 8601 time, got ${value}`);
    return at;
  };
}

interface ScopeOptions {
  custodian: string[];
  query?: string;
  sentFrom?: string;
  sentTo?: string;
}

function scopeOptions(cmd: Command): Command {
  return cmd
    .option('--custodian <address>', 'a custodian address or @domain (repeatable: any of them)', collect, [])
    .option('--query <query>', 'the query language (docs/query-language.md)')
    .option('--sent-from <day>', 'first sent day, YYYY-MM-DD, inclusive')
    .option('--sent-to <day>', 'last sent day, YYYY-MM-DD, inclusive');
}

function scopeOf(options: ScopeOptions): HoldScope {
  return {
    ...(options.custodian.length ? { custodians: options.custodian } : {}),
    ...(options.query !== undefined ? { query: options.query } : {}),
    ...(options.sentFrom !== undefined ? { sentFrom: options.sentFrom } : {}),
    ...(options.sentTo !== undefined ? { sentTo: options.sentTo } : {}),
  };
}

/**
 * Runs the jobs this command started to the end (they run in this process), with a progress line
 * on a terminal. A job left unfinished by Ctrl-C is resumed by the next `coffer serve`.
 */
async function finish(archive: Embedded, jobId: string, showProgress: boolean): Promise<JobView> {
  const read = async () => {
    const job = await archive.governance.getJob(jobId);
    if (!job) throw new CofferError('JOB.NOT_FOUND', `job ${jobId} not found`);
    return toJobView(job);
  };
  const ticker = showProgress
    ? setInterval(() => {
        void read().then(
          (job) => process.stderr.write(`\r${job.kind} ${job.status}: ${job.done}/${job.total}   `),
          () => undefined,
        );
      }, 250)
    : null;
  try {
    await archive.scheduler.idle();
  } finally {
    if (ticker) {
      clearInterval(ticker);
      process.stderr.write('\r\x1b[K');
    }
  }
  const job = await read();
  if (job.status !== 'done') process.exitCode = 1;
  return job;
}

/** `coffer case|hold|policy|disposition|audit|job …`: the governance use cases, as the CLI actor. */
export function registerGovernanceCommands(kit: CliKit): void {
  const { program, command, withArchive, out, json } = kit;
  const actor = cliActor();
  const progress = (options: CommonOptions) => !options.json && process.stderr.isTTY === true;

  const caseCmd = program.command('case').description('cases (matters): each groups the holds placed for it');
  command('create', 'open a case', caseCmd)
    .argument('<name>')
    .option('--description <text>', 'what the matter is')
    .action(async (name: string, options: CommonOptions & { description?: string }) => {
      const created = await withArchive(options, (a) => a.cases.create(actor, { name, ...(options.description !== undefined ? { description: options.description } : {}) }));
      if (options.json) json(created);
      else printCase(created, out);
    });
  command('list', 'list cases', caseCmd)
    .option('--cursor <cursor>', 'the nextCursor of a previous page')
    .option('--limit <n>', 'cases per page (max 500)', integer('--limit'))
    .action(async (options: CommonOptions & { cursor?: string; limit?: number }) => {
      const page = await withArchive(options, (a) =>
        a.cases.list(actor, { ...(options.cursor ? { cursor: options.cursor } : {}), ...(options.limit !== undefined ? { limit: options.limit } : {}) }),
      );
      if (options.json) json(page);
      else printCases(page.items, page.nextCursor, out);
    });
  command('show', 'a case and its holds', caseCmd)
    .argument('<id>')
    .action(async (id: string, options: CommonOptions) => {
      const found = await withArchive(options, (a) => a.cases.get(actor, id));
      if (options.json) json(found);
      else printCase(found, out);
    });

  const hold = program.command('hold').description('legal holds: preview, place, list, release');
  scopeOptions(command('preview', 'dry run: how many messages a scope covers now, and a sample; changes nothing', hold)).action(
    async (options: CommonOptions & ScopeOptions) => {
      const preview = await withArchive(options, (a) => a.holds.preview(actor, scopeOf(options)));
      if (options.json) json(preview);
      else printPreview(preview, out);
    },
  );
  scopeOptions(command('create', 'place a hold and wait until it covers every existing match', hold))
    .requiredOption('--case <id>', 'the case it is placed for')
    .requiredOption('--name <name>', 'what the hold is called')
    .action(async (options: CommonOptions & ScopeOptions & { case: string; name: string }) => {
      const result = await withArchive(options, async (a) => {
        const placed = await a.holds.place(actor, { caseId: options.case, name: options.name, scope: scopeOf(options) });
        const job = await finish(a, placed.job.id, progress(options));
        return { hold: await a.holds.get(actor, placed.hold.id), job };
      });
      if (options.json) json(result);
      else {
        printHold(result.hold, out);
        printJob(result.job, out);
      }
    });
  command('list', 'holds with their status and member counts', hold)
    .option('--case <id>', 'only the holds of this case')
    .action(async (options: CommonOptions & { case?: string }) => {
      const holds = await withArchive(options, (a) => a.holds.list(actor, options.case ? { caseId: options.case } : {}));
      if (options.json) json({ items: holds });
      else printHolds(holds, out);
    });
  command('show', 'a hold', hold)
    .argument('<id>')
    .action(async (id: string, options: CommonOptions) => {
      const found = await withArchive(options, (a) => a.holds.get(actor, id));
      if (options.json) json(found);
      else printHold(found, out);
    });
  command('members', 'the ids of the messages a hold covers, paged', hold)
    .argument('<id>')
    .option('--cursor <cursor>', 'the nextCursor of a previous page')
    .option('--limit <n>', 'ids per page (max 500)', integer('--limit'))
    .action(async (id: string, options: CommonOptions & { cursor?: string; limit?: number }) => {
      const page = await withArchive(options, (a) =>
        a.holds.members(actor, id, { ...(options.cursor ? { cursor: options.cursor } : {}), ...(options.limit !== undefined ? { limit: options.limit } : {}) }),
      );
      if (options.json) json(page);
      else {
        for (const member of page.items) out(member);
        if (page.nextCursor) out(`more: --cursor ${page.nextCursor}`);
      }
    });
  command('release', 'release a hold (a reason is required); waits, or asks for a second officer under dual control', hold)
    .argument('<id>')
    .requiredOption('--reason <text>', 'why the hold ends')
    .action(async (id: string, options: CommonOptions & { reason: string }) => {
      const result = await withArchive(options, async (a) => {
        const started = await a.holds.release(actor, id, options.reason);
        if ('approval' in started) return started;
        const job = await finish(a, started.job.id, progress(options));
        return { hold: await a.holds.get(actor, id), job };
      });
      if (options.json) json(result);
      else if ('approval' in result) printApproval(result.approval, out);
      else {
        printHold(result.hold, out);
        printJob(result.job, out);
      }
    });
  command('approvals', 'dual control: the releases waiting for a second officer', hold).action(async (options: CommonOptions) => {
    const pending = await withArchive(options, (a) => a.holds.pendingApprovals(actor));
    if (options.json) json({ items: pending });
    else if (pending.length === 0) out('no release waits for approval');
    else for (const approval of pending) printApproval(approval, out);
  });
  for (const [verb, approve] of [['approve', true], ['reject', false]] as const) {
    command(verb, `dual control: ${verb} a pending release as the second officer`, hold)
      .argument('<approval>', 'the approval id the release request printed')
      .action(async (approvalId: string, options: CommonOptions) => {
        const result = await withArchive(options, async (a) => {
          const decided = await a.holds.decide(actor, approvalId, approve);
          if (!decided.job) return { approval: decided.approval };
          const job = await finish(a, decided.job.id, progress(options));
          return { approval: decided.approval, job, hold: await a.holds.get(actor, decided.approval.target) };
        });
        if (options.json) json(result);
        else {
          printApproval(result.approval, out);
          if (result.hold && result.job) {
            printHold(result.hold, out);
            printJob(result.job, out);
          }
        }
      });
  }

  const policy = program.command('policy').description('retention policies: a query and a period; the longest matching period wins');
  command('list', 'the policies (the default one always exists)', policy).action(async (options: CommonOptions) => {
    const policies = await withArchive(options, (a) => a.policies.list(actor));
    if (options.json) json({ items: policies });
    else printPolicies(policies, out);
  });
  command('create', 'add a policy and wait until existing matches are extended', policy)
    .requiredOption('--name <name>', 'what the policy is called')
    .requiredOption('--query <query>', 'the messages it covers (query language)')
    .requiredOption('--days <n>', 'kept this many days after receipt', integer('--days'))
    .action(async (options: CommonOptions & { name: string; query: string; days: number }) => {
      const result = await withArchive(options, async (a) => {
        const created = await a.policies.create(actor, { name: options.name, query: options.query, days: options.days });
        return { policy: created.policy, job: await finish(a, created.job.id, progress(options)) };
      });
      if (options.json) json(result);
      else {
        printPolicies([result.policy], out);
        printJob(result.job, out);
      }
    });
  command('update', 'change a policy (only ever longer) and wait until existing matches are extended', policy)
    .argument('<id>')
    .option('--name <name>', 'a new name')
    .option('--query <query>', 'a new query (not for the default policy)')
    .option('--days <n>', 'a longer period', integer('--days'))
    .action(async (id: string, options: CommonOptions & { name?: string; query?: string; days?: number }) => {
      const result = await withArchive(options, async (a) => {
        const updated = await a.policies.update(actor, id, {
          ...(options.name !== undefined ? { name: options.name } : {}),
          ...(options.query !== undefined ? { query: options.query } : {}),
          ...(options.days !== undefined ? { days: options.days } : {}),
        });
        return { policy: updated.policy, job: await finish(a, updated.job.id, progress(options)) };
      });
      if (options.json) json(result);
      else {
        printPolicies([result.policy], out);
        printJob(result.job, out);
      }
    });

  const disposition = program.command('disposition').description('remove messages past retention and under no hold, with certificates');
  for (const [verb, dryRun, description] of [
    ['preview', true, 'what a sweep would dispose of now; changes nothing'],
    ['run', false, 'dispose of every message past retention and under no hold; each gets a certificate in the audit log'],
  ] as const) {
    command(verb, description, disposition).action(async (options: CommonOptions) => {
      const report = await withArchive(options, (a) => a.disposition.run(actor, { dryRun }));
      if (options.json) json(report);
      else printDisposition(report, out);
    });
  }

  const audit = program.command('audit').description('the hash-chained audit trail');
  command('list', 'entries, newest first', audit)
    .option('--from <time>', 'at or after (ISO 8601)', instant('--from'))
    .option('--to <time>', 'before (ISO 8601)', instant('--to'))
    .option('--actor <name>', 'only this actor')
    .option('--action <action>', 'only this action, e.g. hold.create')
    .option('--cursor <cursor>', 'the nextCursor of a previous page')
    .option('--limit <n>', 'entries per page (max 500)', integer('--limit'), 100)
    .action(async (options: CommonOptions & { from?: Date; to?: Date; actor?: string; action?: string; cursor?: string; limit: number }) => {
      const page = await withArchive(options, (a) =>
        readsOf(a).auditEntries(actor, {
          limit: options.limit,
          ...(options.from ? { from: options.from } : {}),
          ...(options.to ? { to: options.to } : {}),
          ...(options.actor !== undefined ? { actor: options.actor } : {}),
          ...(options.action !== undefined ? { action: options.action } : {}),
          ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
        }),
      );
      if (options.json) json(page);
      else printAudit(page.items, page.nextCursor, out);
    });
  command('verify', 'recompute the hash chain and compare it with the seals; exit 1 when broken', audit).action(async (options: CommonOptions) => {
    const result = await withArchive(options, (a) => readsOf(a).verifyAudit(actor));
    if (options.json) json(result);
    else printAuditVerify(result, out);
    if (!result.ok) process.exitCode = 1;
  });
  command('seal', 'copy the entries not yet sealed into the write-once store (coffer serve does it hourly)', audit).action(async (options: CommonOptions) => {
    const result = await withArchive(options, (a) => a.audit.seal());
    if (options.json) json(result);
    else out(result.sealed > 0 ? `Sealed ${result.sealed} entries (last seal ${result.key ?? '?'}).` : 'Nothing to seal: every entry is sealed already.');
  });

  const job = program.command('job').description('background jobs: applying and releasing holds, applying retention');
  command('show', "a job's progress", job)
    .argument('<id>')
    .action(async (id: string, options: CommonOptions) => {
      const found = toJobView(await withArchive(options, (a) => readsOf(a).job(actor, id)));
      if (options.json) json(found);
      else printJob(found, out);
    });
}
