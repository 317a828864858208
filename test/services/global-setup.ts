// vitest globalSetup: make sure moto and OpenSearch are running before any test worker starts.
//
// It never throws: a service that cannot be had is recorded in COFFER_TEST_<SERVICE>_ERROR, and the
// suites that need it fail in beforeAll through requireMoto()/requireOpenSearch() with that reason,
// while everything else (the embedded adapter tests) still runs.
//
// The URL/error reach the workers two ways: process.env (vitest 4 builds each fork's env from the
// main process.env when it creates the pool, which is after globalSetup has run), and provide(),
// vitest's documented channel, read back with inject('cofferServices').
//
// The services are left running at the end on purpose: the next `npm test` reuses them (warm start
// costs well under a second instead of ~30 s). `node test/services/services.mjs stop` ends them.
import type { TestProject } from 'vitest/node';
import { startServices } from './services.mjs';
import type { CofferServices } from './require-service.js';

export async function setup(project: TestProject): Promise<void> {
  const t0 = Date.now();
  const { moto, opensearch } = await startServices();
  const services: CofferServices = { moto: {}, opensearch: {} };
  for (const [key, result, name] of [
    ['moto', moto, 'MOTO'],
    ['opensearch', opensearch, 'OPENSEARCH'],
  ] as const) {
    if (result.url) {
      process.env[`COFFER_TEST_${name}_URL`] = result.url;
      delete process.env[`COFFER_TEST_${name}_ERROR`];
      services[key] = { url: result.url };
    } else {
      const error = result.error ?? 'unknown error';
      process.env[`COFFER_TEST_${name}_ERROR`] = error;
      delete process.env[`COFFER_TEST_${name}_URL`];
      services[key] = { error };
    }
  }
  project.provide('cofferServices', services);
  const line = (label: string, r: { url?: string; error?: string }) =>
    r.url ? `${label} ${r.url}` : `${label} UNAVAILABLE (${(r.error ?? '').split('\n')[0]})`;
  process.stderr.write(
    `[services] ${line('moto', services.moto)}; ${line('OpenSearch', services.opensearch)} [${((Date.now() - t0) / 1000).toFixed(1)} s]\n`,
  );
}
