import * as path from 'node:path';
import { z } from 'zod';
import { parseCoreConfig } from '../shared/config.js';
import type { CoreConfig } from '../shared/config.js';
import { CofferError } from '../shared/errors.js';

/** Local-process settings: flags win over environment variables, which win over defaults. */
const LocalSchema = z
  .object({
    dataDir: z.string().min(1),
    host: z.string().min(1),
    httpPort: z.coerce.number().int().min(0).max(65535),
    smtpPort: z.coerce.number().int().min(0).max(65535),
    logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']),
  })
  .strict();

export type LocalConfig = z.infer<typeof LocalSchema> & { core: CoreConfig };

export interface LocalFlags {
  data?: string | undefined;
  host?: string | undefined;
  httpPort?: string | number | undefined;
  smtpPort?: string | number | undefined;
}

export function loadLocalConfig(flags: LocalFlags, env: NodeJS.ProcessEnv = process.env): LocalConfig {
  const result = LocalSchema.safeParse({
    dataDir: path.resolve(flags.data ?? env.COFFER_DATA ?? './data'),
    host: flags.host ?? env.COFFER_HOST ?? '127.0.0.1',
    httpPort: flags.httpPort ?? env.COFFER_HTTP_PORT ?? 8080,
    smtpPort: flags.smtpPort ?? env.COFFER_SMTP_PORT ?? 2525,
    logLevel: env.COFFER_LOG_LEVEL ?? 'info',
  });
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new CofferError('CONFIG.INVALID', `invalid configuration: ${issues}`);
  }
  const core = parseCoreConfig({
    ...(env.COFFER_RETENTION_DAYS ? { retentionDays: Number(env.COFFER_RETENTION_DAYS) } : {}),
    ...(env.COFFER_DUAL_CONTROL ? { dualControl: env.COFFER_DUAL_CONTROL === 'true' } : {}),
    ...(env.COFFER_MAX_MESSAGE_BYTES ? { maxMessageBytes: Number(env.COFFER_MAX_MESSAGE_BYTES) } : {}),
    ...(env.COFFER_INTERNAL_DOMAINS ? { internalDomains: env.COFFER_INTERNAL_DOMAINS.split(',').map((d) => d.trim()).filter(Boolean) } : {}),
  });
  return { ...result.data, core };
}
