// For the AWS adapter suites: call in beforeAll and use the returned URL. When global setup could
// not start the service, these throw with the recorded reason so the suite FAILS (never skips).
//
//   let endpoint: string;
//   beforeAll(() => { endpoint = requireMoto(); });
import { inject } from 'vitest';

export interface ServiceState {
  url?: string;
  error?: string;
}
export interface CofferServices {
  moto: ServiceState;
  opensearch: ServiceState;
}

declare module 'vitest' {
  export interface ProvidedContext {
    cofferServices: CofferServices;
  }
}

function need(service: keyof CofferServices, label: string, envName: string): string {
  const url = process.env[`COFFER_TEST_${envName}_URL`];
  if (url) return url;
  const error = process.env[`COFFER_TEST_${envName}_ERROR`] ?? inject('cofferServices')?.[service]?.error;
  const provided = inject('cofferServices')?.[service]?.url;
  if (!error && provided) return provided;
  throw new Error(
    error
      ? `${label} is not available, so this suite cannot run: ${error}\n` +
          `(start it by hand with \`node test/services/services.mjs start\` to see the full error)`
      : `${label} is not available: test/services/global-setup.ts did not run (is it in vitest.config.ts globalSetup?), ` +
          `and COFFER_TEST_${envName}_URL is not set`,
  );
}

/** Base URL of the moto server (S3 with Object Lock, DynamoDB), e.g. http://127.0.0.1:5055. */
export function requireMoto(): string {
  return need('moto', 'moto (S3/DynamoDB mock)', 'MOTO');
}

/** Base URL of the single-node OpenSearch 2.19.6, e.g. http://127.0.0.1:9255. */
export function requireOpenSearch(): string {
  return need('opensearch', 'OpenSearch', 'OPENSEARCH');
}
