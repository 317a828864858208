import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSesNotification } from '../../shared/intake/ses-events.js';
import { sesIntakeRequest } from '../../shared/intake/ses-intake.js';
import { bytesSource, tempArchive } from '../support/archive.js';
import type { TestArchive } from '../support/archive.js';
import { buildJournalReport } from '../support/journal.js';
import { composeMail } from '../support/mail.js';
import { sha256 } from '../support/bytes.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/aws/${name}`, import.meta.url), 'utf8'));

describe('an SES receipt through the intake', () => {
  let archive: TestArchive;
  beforeEach(async () => {
    archive = await tempArchive();
  });
  afterEach(async () => {
    await archive.destroy();
  });

  it('records recipients and verdicts on the delivery, once however often the event arrives', async () => {
    const ses = parseSesNotification(fixture('ses-notification-s3-action.json'));
    const original = await composeMail({ from: 'a@corp.example', to: 'b@corp.example', subject: 'Via SES', text: 'x' });
    const report = buildJournalReport({ original, sender: 'a@corp.example', subject: 'Via SES', messageId: 'ses@corp.example', recipients: [{ address: 'b@corp.example', kind: 'to' }] });
    const first = await archive.ingest.execute(sesIntakeRequest(ses, bytesSource(report)));
    // The retry arrives later: its envelope record would differ, and must not fail the intake.
    archive.clock.advance(60_000);
    const retried = await archive.ingest.execute(sesIntakeRequest(ses, bytesSource(report)));
    expect(first).toMatchObject({ id: sha256(original), deliveryCreated: true });
    expect(retried).toMatchObject({ id: sha256(original), deliveryCreated: false });
    const deliveries = await archive.read.deliveries(first.id);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ source: 'ses', id: `ses-${ses.sesMessageId}`, verdicts: ses.verdicts, envelope: { rcptTo: ses.envelope.rcptTo } });
    expect(deliveries[0]?.journal?.recipients).toEqual([{ address: 'b@corp.example', kind: 'to' }]);
  });
});
