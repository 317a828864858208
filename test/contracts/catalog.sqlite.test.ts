import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { SqliteCatalog } from '../../adapters/embedded/sqlite-catalog.js';
import { catalogContract } from './catalog.contract.js';

catalogContract('SqliteCatalog', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'coffer-catalog-'));
  const catalog = SqliteCatalog.open(path.join(dir, 'catalog.db'));
  return {
    catalog,
    cleanup: async () => {
      catalog.close();
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
});
