/**
 * Runs jobs in the background. Embedded: an in-process queue; AWS: a queue that a worker
 * function drains. Either way a job's state lives in Governance, so a lost schedule is resumed.
 */
export interface JobScheduler {
  schedule(jobId: string): Promise<void>;
}
