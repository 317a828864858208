/** The core in shared/ stays portable: Lambda and the local process run the same code. */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-no-infrastructure',
      comment: 'shared/ is the core: no AWS SDK, no SQLite, no OpenSearch client, no filesystem. Adapters live in adapters/.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: ['^node_modules/(@aws-sdk|better-sqlite3|@opensearch-project|smtp-server|pino)', '^(node:)?fs(/promises)?$'] },
    },
    {
      name: 'core-imports-no-runtime',
      comment: 'The core never reaches into adapters or a composition root.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^(adapters|local|functions)/' },
    },
    {
      name: 'adapters-do-not-compose',
      comment: 'Adapters are built by the composition roots, never the other way round.',
      severity: 'error',
      from: { path: '^adapters/' },
      to: { path: '^(local|functions)/' },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
