import * as path from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp } from '../shared/http/app.js';
import { createSmtpIntake } from './smtp-intake.js';
import type { Embedded } from './compose.js';
import { VERSION } from './version.js';

export interface RunningServer {
  httpPort: number;
  smtpPort: number;
  /** Printed once on first start; null when users already existed. */
  adminToken: string | null;
  close(): Promise<void>;
}

/** How often the audit log is sealed into the write-once store while the server runs. */
export const SEAL_EVERY_MS = 60 * 60 * 1000;

/**
 * `coffer serve`: the HTTP API and the SMTP intake in one process, on loopback by default. Jobs a
 * stop or crash interrupted continue from their saved cursor; the audit log is sealed hourly and
 * once more at shutdown.
 */
export async function startServer(
  archive: Embedded,
  options: { host: string; httpPort: number; smtpPort: number; sealEveryMs?: number },
): Promise<RunningServer> {
  const adminToken = await ensureAdmin(archive);
  const resumed = await archive.resumeJobs();
  if (resumed > 0) archive.logger.info('resuming interrupted jobs', { jobs: resumed });
  const app = createApp({ ...archive, auth: archive.tokens, logger: archive.logger, maxMessageBytes: archive.config.maxMessageBytes, version: VERSION });
  const http = createAdaptorServer({ fetch: app.fetch }) as Server;
  await listen(http, options.httpPort, options.host);
  const smtp = createSmtpIntake({
    ingest: archive.ingest,
    logger: archive.logger,
    spoolDir: path.join(archive.dataDir, '.spool'),
    maxMessageBytes: archive.config.maxMessageBytes,
  });
  await new Promise<void>((resolve, reject) => {
    smtp.server.once('error', reject);
    smtp.listen(options.smtpPort, options.host, () => resolve());
  });
  const httpPort = (http.address() as AddressInfo).port;
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  archive.logger.info('coffer listening', { http: `http://${options.host}:${httpPort}`, smtp: `${options.host}:${smtpPort}` });
  const seal = () =>
    archive.audit.seal().catch((err: unknown) => {
      // A broken log is never sealed; verify says where it broke. Serving goes on.
      archive.logger.error('audit log not sealed', err);
    });
  const sealing = setInterval(() => void seal(), options.sealEveryMs ?? SEAL_EVERY_MS);
  sealing.unref();
  return {
    httpPort,
    smtpPort,
    adminToken,
    async close() {
      clearInterval(sealing);
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await seal();
    },
  };
}

async function ensureAdmin(archive: Embedded): Promise<string | null> {
  if ((await archive.catalog.listUsers()).length > 0) return null;
  return (await archive.tokens.issue('admin', 'admin')).token;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}
