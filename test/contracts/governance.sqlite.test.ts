import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SqliteGovernance } from '../../adapters/embedded/sqlite-governance.js';
import { governanceContract } from './governance.contract.js';

governanceContract('SqliteGovernance', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'coffer-gov-'));
  const governance = SqliteGovernance.open(path.join(dir, 'governance.db'));
  return {
    governance,
    async cleanup() {
      governance.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
