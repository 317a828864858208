/**
 * SearchIndex on OpenSearch (the AWS engine). Same answers as the SQLite engine: documents are
 * stored pre-tokenized (opensearch-mapping.ts) and queries compiled to a closed set of DSL
 * queries (opensearch-query.ts).
 *
 * The client comes configured from the composition root — on AWS with the SigV4 signer, locally
 * over plain HTTP. Everything goes through the alias; the versioned index behind it
 * (`<alias>-v1`) can be rebuilt and swapped without touching this class.
 *
 * Writes wait for a refresh (`refresh: wait_for`), so a document is searchable when `index`
 * resolves, as it is in SQLite.
 */
import type { Client } from '@opensearch-project/opensearch';
import { CofferError } from '../../shared/errors.js';
import type {
  IndexDocument,
  IndexPeople,
  SearchIndex,
  SearchRequest,
  SearchResult,
} from '../../shared/ports/search-index.js';
import { FIELD, MAPPING_VERSION, documentSource, indexDefinition, peopleSource } from './opensearch-mapping.js';
import type { IndexSettings } from './opensearch-mapping.js';
import { compileQuery } from './opensearch-query.js';
import { clampPageSize, decodeSearchCursor, encodeSearchCursor } from '../../shared/search/search-cursor.js';
import type { SearchPosition } from '../../shared/search/search-cursor.js';

/** Amazon OpenSearch Service refuses request bodies over 10 MiB on its smaller instance types. */
const MAX_BULK_BYTES = 5 * 1024 * 1024;

export class OpenSearchIndex implements SearchIndex {
  /**
   * Creates `<alias>-v<version>` with the explicit mapping and points `alias` at it, unless the
   * alias already exists. Safe to run from several processes at once.
   */
  static async ensureIndex(client: Client, alias: string, settings: IndexSettings = {}): Promise<void> {
    const exists = await client.indices.existsAlias({ name: alias });
    if (exists.body) return;
    const index = versionedName(alias);
    try {
      await client.indices.create({
        index,
        body: { ...indexDefinition(settings), aliases: { [alias]: { is_write_index: true } } },
      });
    } catch (error) {
      // Another process created the index first; the alias may still be missing if it failed.
      if (errorType(error) !== 'resource_already_exists_exception') throw error;
      await client.indices.putAlias({ index, name: alias, body: { is_write_index: true } });
    }
  }

  constructor(
    private readonly client: Client,
    private readonly alias: string,
  ) {}

  async index(docs: readonly IndexDocument[]): Promise<void> {
    if (docs.length === 0) return;
    let batch: Record<string, unknown>[] = [];
    let bytes = 0;
    for (const doc of docs) {
      const source = documentSource(doc);
      const size = Buffer.byteLength(JSON.stringify(source));
      if (batch.length > 0 && bytes + size > MAX_BULK_BYTES) {
        await this.bulk(batch, 'index');
        batch = [];
        bytes = 0;
      }
      batch.push({ index: { _index: this.alias, _id: doc.id } }, source);
      bytes += size;
    }
    await this.bulk(batch, 'index');
  }

  async updatePeople(id: string, people: IndexPeople): Promise<void> {
    try {
      // Every people field is in the partial document, so each array is replaced, none merged.
      await this.client.update({
        index: this.alias,
        id,
        body: { doc: peopleSource(people) },
        refresh: 'wait_for',
        retry_on_conflict: 3,
      });
    } catch (error) {
      // As in SQLite: people for a message that is not indexed (yet, or any more) are dropped.
      if (statusOf(error) === 404) return;
      throw failure('update people', error);
    }
  }

  async delete(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.bulk(
      ids.map((id) => ({ delete: { _index: this.alias, _id: id } })),
      'delete',
    );
  }

  async search(request: SearchRequest): Promise<SearchResult> {
    const order = request.sort === 'sent:asc' ? 'asc' : 'desc';
    const limit = clampPageSize(request.limit);
    const after = request.cursor === undefined ? null : decodeSearchCursor(request.cursor);
    const body: Record<string, unknown> = {
      query: compileQuery(request.query),
      sort: [{ [FIELD.sent]: { order } }, { [FIELD.id]: { order } }],
      // One hit past the page tells whether another page exists, so the last page has no cursor.
      size: limit === 0 ? 0 : limit + 1,
      track_total_hits: true,
      _source: false,
    };
    if (after !== null) body.search_after = [after.sent, after.id];

    let response;
    try {
      response = await this.client.search({ index: this.alias, body });
    } catch (error) {
      throw failure('search', error);
    }
    // One request, one searcher: the total and the page come from the same point in time.
    const { total, hits } = response.body.hits as unknown as { total: { value: number }; hits: Hit[] };
    const page = hits.slice(0, limit).map(position);
    const result: SearchResult = { total: total.value, ids: page.map((p) => p.id) };
    const last = page[page.length - 1];
    if (hits.length > limit && last) result.nextCursor = encodeSearchCursor(last);
    return result;
  }

  async count(): Promise<number> {
    try {
      const response = await this.client.count({ index: this.alias });
      return response.body.count;
    } catch (error) {
      throw failure('count', error);
    }
  }

  private async bulk(body: Record<string, unknown>[], what: 'index' | 'delete'): Promise<void> {
    let response;
    try {
      response = await this.client.bulk({ body, refresh: 'wait_for' });
    } catch (error) {
      throw failure(`bulk ${what}`, error);
    }
    if (!response.body.errors) return;
    const failed = (response.body.items as BulkItem[])
      .map((item) => item.index ?? item.delete)
      // Deleting an id that was never indexed is not an error.
      .filter((r) => r !== undefined && r.error !== undefined && !(what === 'delete' && r.status === 404));
    const first = failed[0];
    if (first) {
      throw new CofferError(
        'INTERNAL',
        `search index bulk ${what}: ${failed.length} of ${response.body.items.length} failed;` +
          ` first ${first._id}: ${first.error?.type ?? 'error'}: ${first.error?.reason ?? ''}`,
      );
    }
  }
}

export function versionedName(alias: string): string {
  return `${alias}-v${MAPPING_VERSION}`;
}

interface Hit {
  _id: string;
  sort?: unknown[];
}

interface BulkResult {
  _id: string;
  status: number;
  error?: { type?: string; reason?: string };
}

interface BulkItem {
  index?: BulkResult;
  delete?: BulkResult;
}

function position(hit: Hit): SearchPosition {
  const [sent, id] = hit.sort ?? [];
  if (typeof sent !== 'number' || typeof id !== 'string') {
    throw new CofferError('INTERNAL', `search index hit ${hit._id} has no [sent, id] sort values`);
  }
  return { sent, id };
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function errorType(error: unknown): string | undefined {
  const body = (error as { body?: { error?: { type?: unknown } } } | null)?.body;
  const type = body?.error?.type;
  return typeof type === 'string' ? type : undefined;
}

function failure(what: string, error: unknown): CofferError {
  const type = errorType(error);
  const status = statusOf(error);
  const detail = [status, type].filter((x) => x !== undefined).join(' ');
  return new CofferError('INTERNAL', `search index ${what} failed${detail ? ` (${detail})` : ''}`, { cause: error });
}
