import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteFtsIndex } from '../../adapters/embedded/sqlite-fts-index.js';
import { all, from, word } from '../support/ast.js';
import { aDoc, person } from '../support/index-docs.js';
import { searchIndexContract } from './search-index.contract.js';

async function tempIndexPath(): Promise<{ path: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-fts-'));
  return { path: join(dir, 'index.db'), remove: () => rm(dir, { recursive: true, force: true }) };
}

searchIndexContract('SqliteFtsIndex', async () => {
  const { path, remove } = await tempIndexPath();
  const index = SqliteFtsIndex.open(path);
  return {
    index,
    async cleanup() {
      index.close();
      await remove();
    },
  };
});

describe('SqliteFtsIndex', () => {
  it('keeps its documents across close and reopen', async () => {
    const { path, remove } = await tempIndexPath();
    try {
      const first = SqliteFtsIndex.open(path);
      await first.index([aDoc('m', { subject: 'kept', from: [person('a@example.com', 'Ann')] })]);
      first.close();
      const second = SqliteFtsIndex.open(path);
      expect((await second.search({ query: word('kept'), limit: 10, sort: 'sent:desc' })).ids).toEqual(['m']);
      expect((await second.search({ query: from.words('ann'), limit: 10, sort: 'sent:desc' })).ids).toEqual(['m']);
      second.close();
    } finally {
      await remove();
    }
  });

  it('clamps the page size to 500 whatever the caller asks', async () => {
    const { path, remove } = await tempIndexPath();
    const index = SqliteFtsIndex.open(path);
    try {
      await index.index(Array.from({ length: 501 }, (_, i) => aDoc(`m${i}`)));
      const result = await index.search({ query: all(), limit: 10_000, sort: 'sent:asc' });
      expect(result.ids).toHaveLength(500);
      expect(result.total).toBe(501);
      expect(result.nextCursor).toBeDefined();
    } finally {
      index.close();
      await remove();
    }
  });
});
