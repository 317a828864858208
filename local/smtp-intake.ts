import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { IngestMessage } from '../shared/intake/ingest-message.js';
import type { Logger } from '../shared/ports/logger.js';

export interface SmtpIntakeOptions {
  ingest: IngestMessage;
  logger: Logger;
  spoolDir: string;
  maxMessageBytes: number;
}

/**
 * The local stand-in for SES: accepts mail for any recipient and answers 250 only once the
 * message is in the write-once store and the catalog. Any internal failure answers 451 so that
 * the sending server keeps the message and retries — nothing is lost on our side.
 */
export function createSmtpIntake(options: SmtpIntakeOptions): SMTPServer {
  const { ingest, logger, spoolDir, maxMessageBytes } = options;
  return new SMTPServer({
    name: 'coffer',
    banner: 'Coffer archive intake',
    size: maxMessageBytes,
    authOptional: true,
    // Local intake on loopback: no TLS certificate to offer and no accounts to log in to.
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      receive(stream, session).then(
        (reply) => callback(null, reply),
        (err: unknown) => callback(smtpError(err)),
      );
    },
  });

  async function receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    await fsp.mkdir(spoolDir, { recursive: true });
    const spool = path.join(spoolDir, `${Date.now()}-${randomBytes(6).toString('hex')}.eml`);
    try {
      // smtp-server advertises SIZE but does not enforce it: the stream says when it was exceeded.
      await pipeline(stream, createWriteStream(spool));
      if (stream.sizeExceeded) throw new SizeExceeded();
      const result = await ingest.execute({
        source: { open: () => createReadStream(spool) },
        from: 'smtp',
        envelope: {
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
        },
        origin: `smtp:${session.remoteAddress}`,
      });
      return `Archived as ${result.id}`;
    } finally {
      await fsp.rm(spool, { force: true });
    }
  }

  function smtpError(err: unknown): Error & { responseCode: number } {
    if (err instanceof SizeExceeded) {
      return Object.assign(new Error(`Message exceeds the fixed maximum size of ${maxMessageBytes} bytes`), { responseCode: 552 });
    }
    logger.error('smtp intake failed', err);
    return Object.assign(new Error('Archive temporarily unavailable, try again later'), { responseCode: 451 });
  }
}

class SizeExceeded extends Error {}
