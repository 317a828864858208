import type { IntakeRequest, RawSource } from './ingest-message.js';
import type { SesDelivery } from './ses-events.js';

/**
 * An SES receipt as an intake request. The delivery id derives from SES's message id, so an
 * event delivered twice (S3 and SQS are at-least-once) records one delivery, not two. The
 * verdicts are recorded for the auditor and never used to drop mail: journal reports fail
 * DMARC by design.
 */
export function sesIntakeRequest(ses: SesDelivery, source: RawSource): IntakeRequest {
  return {
    source,
    from: 'ses',
    envelope: ses.envelope,
    origin: ses.object ? `s3://${ses.object.bucket}/${ses.object.key}` : `ses:${ses.sesMessageId}`,
    deliveryId: `ses-${ses.sesMessageId}`,
    verdicts: ses.verdicts,
  };
}
