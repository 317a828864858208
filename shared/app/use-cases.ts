import type { BlobStore } from '../ports/blob-store.js';
import type { Catalog } from '../ports/catalog.js';
import type { SearchIndex } from '../ports/search-index.js';
import type { Clock } from '../ports/clock.js';
import type { IdGenerator } from '../ports/id-generator.js';
import type { Logger } from '../ports/logger.js';
import type { CoreConfig } from '../config.js';
import { IngestMessage } from '../intake/ingest-message.js';
import { RebuildFromStore } from '../intake/rebuild.js';
import { SearchMessages } from '../search/search-messages.js';
import { ReadMessage } from '../messages/read-message.js';
import { VerifyStore } from '../store/verify-store.js';
import { Tokens } from '../auth/authenticate.js';

/** The ports a runtime's composition root builds; everything else is made from them here. */
export interface Ports {
  blobs: BlobStore;
  catalog: Catalog;
  index: SearchIndex;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  config: CoreConfig;
}

/** The use cases, built the same way in every runtime (local/compose.ts, functions/compose.ts). */
export function buildUseCases(ports: Ports) {
  const { blobs, catalog, index, clock, ids, logger, config } = ports;
  return {
    ingest: new IngestMessage({ blobs, catalog, index, clock, ids, logger, config }),
    search: new SearchMessages({ index, catalog }),
    read: new ReadMessage({ catalog, blobs }),
    verify: new VerifyStore({ catalog, blobs }),
    rebuild: new RebuildFromStore({ blobs, catalog, index, logger, config }),
    tokens: new Tokens({ catalog, clock }),
  };
}

export type UseCases = ReturnType<typeof buildUseCases>;
