import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '../../shared/ports/logger.js';

export interface MoveOptions {
  from: string;
  to: string;
  /** At most this many messages per run. */
  max: number;
}

export interface MoveReport {
  moved: number;
  /** Sent but not removed from the dead-letter queue: they will be delivered twice, harmlessly (intake is idempotent). */
  notDeleted: number;
  /** Could not be sent; still in the dead-letter queue. */
  failed: number;
}

/**
 * Moves messages from the dead-letter queue back to the intake queue, body and attributes
 * unchanged: send first, delete after, so a failure in between duplicates and never loses.
 * Stops when the dead-letter queue answers empty or `max` is reached.
 */
export async function moveMessages(sqs: SQSClient, options: MoveOptions, logger: Logger): Promise<MoveReport> {
  const report: MoveReport = { moved: 0, notDeleted: 0, failed: 0 };
  while (report.moved + report.failed < options.max) {
    const want = Math.min(10, options.max - report.moved - report.failed);
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.from,
        MaxNumberOfMessages: want,
        WaitTimeSeconds: 1,
        // Long enough to send and delete; a crash returns them to the dead-letter queue.
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = (received.Messages ?? []).filter((m): m is Message & { Body: string; ReceiptHandle: string } => m.Body !== undefined && m.ReceiptHandle !== undefined);
    if (messages.length === 0) break;

    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: options.to,
        Entries: messages.map((m, i) => ({
          Id: String(i),
          MessageBody: m.Body,
          ...(m.MessageAttributes && Object.keys(m.MessageAttributes).length ? { MessageAttributes: m.MessageAttributes } : {}),
        })),
      }),
    );
    const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
    report.failed += messages.length - ok.size;
    const done = messages.flatMap((m, i) => (ok.has(String(i)) ? [{ Id: String(i), ReceiptHandle: m.ReceiptHandle }] : []));
    if (done.length === 0) continue;
    const deleted = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: options.from, Entries: done }));
    const removed = deleted.Successful?.length ?? 0;
    report.moved += done.length;
    report.notDeleted += done.length - removed;
  }
  logger.info('dead-letter messages replayed', { ...report });
  return report;
}
