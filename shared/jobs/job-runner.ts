import type { Governance } from '../ports/governance.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { JobKind, JobRecord } from '../domain/governance.js';
import { CofferError } from '../errors.js';

/** What a step of a job reports; the runner persists it before the next step, so work resumes there. */
export interface JobProgress {
  done: number;
  total: number;
  cursor: string | null;
  finished: boolean;
}

/** One bounded step of a job of some kind: does a page of work from `job.cursor` and says where it got to. */
export type JobStep = (job: JobRecord) => Promise<JobProgress>;

/**
 * Drives jobs step by step, saving progress after each, so a job survives a restart and running
 * it twice is harmless (each step is idempotent). A failed step marks the job failed with its error.
 */
export class JobRunner {
  private readonly steps = new Map<JobKind, JobStep>();

  constructor(private readonly deps: { governance: Governance; clock: Clock; logger: Logger }) {}

  register(kind: JobKind, step: JobStep): void {
    this.steps.set(kind, step);
  }

  async run(jobId: string): Promise<JobRecord> {
    const { governance, clock, logger } = this.deps;
    let job = await governance.getJob(jobId);
    if (!job) throw new CofferError('JOB.NOT_FOUND', `job ${jobId} not found`);
    const step = this.steps.get(job.kind);
    if (!step) throw new CofferError('INTERNAL', `no runner for jobs of kind ${job.kind}`);
    if (job.status === 'queued') job = await governance.updateJob({ ...job, status: 'running', startedAt: clock.now().toISOString() });
    while (job.status === 'running') {
      let progress: JobProgress;
      try {
        progress = await step(job);
      } catch (err) {
        logger.error('job failed', err, { jobId: job.id, kind: job.kind });
        const message = err instanceof CofferError ? err.message : 'internal error; see the server log';
        return governance.updateJob({ ...job, status: 'failed', error: message, finishedAt: clock.now().toISOString() });
      }
      job = await governance.updateJob({
        ...job,
        done: progress.done,
        total: progress.total,
        cursor: progress.cursor,
        ...(progress.finished ? { status: 'done' as const, finishedAt: clock.now().toISOString() } : {}),
      });
    }
    return job;
  }

  /** Jobs a crash or restart left queued or running, to be scheduled again. */
  async unfinished(): Promise<JobRecord[]> {
    return this.deps.governance.listJobs({ statuses: ['queued', 'running'] });
  }
}
