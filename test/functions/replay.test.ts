import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireMoto } from '../services/require-service.js';

const s3Event = readFileSync(new URL('../fixtures/aws/s3-put-event.json', import.meta.url), 'utf8');

describe('replay: dead-lettered intake messages back to the intake queue (moto SQS)', () => {
  let sqs: SQSClient;
  let queueUrl: string;
  let dlqUrl: string;
  let replay: (event: unknown) => Promise<unknown>;

  const count = async (url: string): Promise<number> => {
    const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  };

  beforeAll(async () => {
    const moto = requireMoto();
    const suffix = Math.random().toString(36).slice(2, 10);
    sqs = new SQSClient({ region: 'us-east-1', endpoint: moto, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `coffer-intake-${suffix}` }))).QueueUrl ?? '';
    dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `coffer-intake-dlq-${suffix}` }))).QueueUrl ?? '';
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      // The common settings every function is deployed with; replay itself touches only SQS.
      COFFER_ARCHIVE_BUCKET: 'unused-archive',
      COFFER_TABLE: 'unused-table',
      COFFER_OPENSEARCH_URL: 'https://search.invalid',
      COFFER_LOG_LEVEL: 'error',
      COFFER_SQS_ENDPOINT: moto,
      COFFER_INTAKE_QUEUE_URL: queueUrl,
      COFFER_INTAKE_DLQ_URL: dlqUrl,
    });
    for (let i = 0; i < 13; i++) await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: s3Event.replace('HappyFace.jpg', `inbound/msg-${i}`) }));
    ({ handler: replay } = await import('../../functions/replay.js'));
  });

  it('moves at most `max` messages, bodies unchanged, and the rest on the next run', async () => {
    await expect(replay({ max: 5 })).resolves.toEqual({ moved: 5, notDeleted: 0, failed: 0 });
    expect(await count(dlqUrl)).toBe(8);
    await expect(replay({})).resolves.toEqual({ moved: 8, notDeleted: 0, failed: 0 });
    expect(await count(dlqUrl)).toBe(0);

    const bodies = new Set<string>();
    for (let round = 0; round < 5 && bodies.size < 13; round++) {
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      for (const m of got.Messages ?? []) bodies.add(m.Body ?? '');
    }
    expect([...bodies].sort()).toEqual(Array.from({ length: 13 }, (_, i) => s3Event.replace('HappyFace.jpg', `inbound/msg-${i}`)).sort());
  });

  it('refuses input it does not understand', async () => {
    await expect(replay({ max: -1 })).rejects.toMatchObject({ code: 'REQUEST.INVALID' });
    await expect(replay({ everything: true })).rejects.toMatchObject({ code: 'REQUEST.INVALID' });
  });
});
