// Smoke test of the wiring: global setup's URLs reach the workers and the services answer.
// Fails (with the recorded reason) when a service could not be started.
import { describe, expect, it } from 'vitest';
import { requireMoto, requireOpenSearch } from './require-service.js';

describe('test services', () => {
  it('moto answers', async () => {
    const res = await fetch(`${requireMoto()}/moto-api/`);
    expect(res.status).toBeLessThan(500);
  });

  it('OpenSearch is single-node and at least yellow', async () => {
    const res = await fetch(`${requireOpenSearch()}/_cluster/health`);
    const health = (await res.json()) as { status: string; number_of_nodes: number };
    expect(['green', 'yellow']).toContain(health.status);
    expect(health.number_of_nodes).toBe(1);
  });
});
