import { randomBytes } from 'node:crypto';
import { Client } from '@opensearch-project/opensearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryNode } from '../../shared/query/ast.js';
import { OpenSearchIndex, versionedName } from '../../adapters/aws/opensearch-index.js';
import { all, attachment, from, participants, prefix, to, word } from '../support/ast.js';
import { aDoc, person } from '../support/index-docs.js';
import { requireOpenSearch } from '../services/require-service.js';
import { searchIndexContract } from './search-index.contract.js';

let client: Client;

beforeAll(() => {
  // Fails the suite, with the reason, when global setup could not start OpenSearch.
  client = new Client({ node: requireOpenSearch() });
});

afterAll(async () => {
  await client?.close();
});

/** A fresh alias (and index behind it) per test; OpenSearch index names are lower-case. */
async function freshIndex(): Promise<{ index: OpenSearchIndex; alias: string; cleanup(): Promise<void> }> {
  const alias = `coffer-test-${randomBytes(6).toString('hex')}`;
  // No replicas: a single-node cluster would otherwise never be green. Writes wait for a refresh.
  await OpenSearchIndex.ensureIndex(client, alias, { shards: 1, replicas: 0, refreshInterval: '100ms' });
  return {
    index: new OpenSearchIndex(client, alias),
    alias,
    async cleanup() {
      await client.indices.delete({ index: versionedName(alias), ignore_unavailable: true });
    },
  };
}

searchIndexContract('OpenSearchIndex', freshIndex);

function idsIn(index: OpenSearchIndex): (query: QueryNode) => Promise<string[]> {
  return async (query) => (await index.search({ query, limit: 10, sort: 'sent:desc' })).ids;
}

describe('OpenSearchIndex', () => {
  it('ensureIndex creates a versioned index behind the alias, and is idempotent', async () => {
    const { alias, cleanup } = await freshIndex();
    try {
      await OpenSearchIndex.ensureIndex(client, alias);
      const aliases = await client.indices.getAlias({ name: alias });
      expect(Object.keys(aliases.body)).toEqual([versionedName(alias)]);
      const mapping = await client.indices.getMapping({ index: alias });
      const mappings = (mapping.body[versionedName(alias)] as { mappings: Record<string, unknown> }).mappings;
      expect(mappings.dynamic).toBe('strict');
    } finally {
      await cleanup();
    }
  });

  it('a phrase does not run from one participant field into another', async () => {
    const { index, cleanup } = await freshIndex();
    try {
      await index.index([
        aDoc('m', { from: [person('x@example.com', 'Alice Smith')], to: [person('y@example.com', 'Bob Jones')] }),
      ]);
      const ids = idsIn(index);
      expect(await ids(participants.words('alice smith'))).toEqual(['m']);
      expect(await ids(participants.words('smith bob'))).toEqual([]);
      expect(await ids(participants.words('smith x'))).toEqual([]);
      expect(await ids(from.words('alice smith'))).toEqual(['m']);
      expect(await ids(to.words('alice'))).toEqual([]);
    } finally {
      await cleanup();
    }
  });

  it('matches words of any length and a prefix of several words (built from the AST)', async () => {
    const { index, cleanup } = await freshIndex();
    const long = 'x'.repeat(9000);
    try {
      await index.index([
        aDoc('long', { body: `before ${long} after` }),
        aDoc('names', { attachmentNames: ['merger plan.docx', 'agreement.pdf'], hasAttachment: true }),
      ]);
      const ids = idsIn(index);
      expect(await ids(word(long))).toEqual(['long']);
      expect(await ids(word(`before ${long} after`))).toEqual(['long']);
      expect(await ids(prefix('merger pl'))).toEqual(['names']);
      expect(await ids(prefix('docx agr'))).toEqual([]);
      expect(await ids(attachment.prefix('plan do'))).toEqual(['names']);
    } finally {
      await cleanup();
    }
  });

  it('clamps the page size to 500, and limit 0 answers only the total', async () => {
    const { index, cleanup } = await freshIndex();
    try {
      await index.index(Array.from({ length: 501 }, (_, i) => aDoc(`m${i}`)));
      const result = await index.search({ query: all(), limit: 10_000, sort: 'sent:asc' });
      expect(result.ids).toHaveLength(500);
      expect(result.total).toBe(501);
      expect(result.nextCursor).toBeDefined();
      expect(await index.search({ query: all(), limit: 0, sort: 'sent:asc' })).toEqual({ total: 501, ids: [] });
    } finally {
      await cleanup();
    }
  });

  it('rejects a cursor whose sent is not an integer', async () => {
    const { index, cleanup } = await freshIndex();
    try {
      const cursor = Buffer.from(JSON.stringify([1.5, 'm'])).toString('base64url');
      await expect(index.search({ query: all(), limit: 3, sort: 'sent:desc', cursor })).rejects.toMatchObject({
        code: 'REQUEST.INVALID',
      });
    } finally {
      await cleanup();
    }
  });
});
