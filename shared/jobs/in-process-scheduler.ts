import type { JobScheduler } from '../ports/job-scheduler.js';
import type { Logger } from '../ports/logger.js';
import type { JobRunner } from './job-runner.js';

/** The embedded runtime's scheduler: one job at a time, in the background of the same process. */
export class InProcessScheduler implements JobScheduler {
  private queue: Promise<void> = Promise.resolve();
  private runner: JobRunner | null = null;

  constructor(private readonly logger: Logger) {}

  /** Set once the runner exists (the runner's steps need use cases that need this scheduler). */
  attach(runner: JobRunner): void {
    this.runner = runner;
  }

  async schedule(jobId: string): Promise<void> {
    const runner = this.runner;
    if (!runner) throw new Error('scheduler used before a runner was attached');
    this.queue = this.queue.then(async () => {
      try {
        await runner.run(jobId);
      } catch (err) {
        this.logger.error('job could not run', err, { jobId });
      }
    });
  }

  /** Schedules the jobs a stop or crash left queued or running; they continue from their saved cursor. */
  async resumeUnfinished(): Promise<number> {
    if (!this.runner) throw new Error('scheduler used before a runner was attached');
    const jobs = await this.runner.unfinished();
    for (const job of jobs) await this.schedule(job.id);
    return jobs.length;
  }

  /** Resolves when every job scheduled so far has finished (tests, `coffer` commands that wait). */
  async idle(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.queue;
      await seen;
    } while (seen !== this.queue);
  }
}
