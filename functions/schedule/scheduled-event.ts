import { z } from 'zod';

/**
 * The EventBridge (CloudWatch Events) scheduled event, as AWS documents it:
 * `{"version":"0","id":…,"detail-type":"Scheduled Event","source":"aws.events","time":…,"resources":[rule arn],"detail":{}}`.
 */
const ScheduledEvent = z.looseObject({
  id: z.string().min(1),
  'detail-type': z.literal('Scheduled Event'),
  source: z.literal('aws.events'),
  time: z.iso.datetime({ offset: true }),
  resources: z.array(z.string()).default([]),
});

export interface ScheduleTrigger {
  /** `schedule` for EventBridge; `manual` for a direct invoke (`osls invoke -f fixity`). */
  kind: 'schedule' | 'manual';
  id: string | null;
  time: string | null;
  rule: string | null;
}

/** What started a scheduled function: its rule and time, or a person invoking it by hand. */
export function scheduleTrigger(event: unknown): ScheduleTrigger {
  const parsed = ScheduledEvent.safeParse(event);
  if (!parsed.success) return { kind: 'manual', id: null, time: null, rule: null };
  return { kind: 'schedule', id: parsed.data.id, time: parsed.data.time, rule: parsed.data.resources[0] ?? null };
}
