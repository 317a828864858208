// esbuild plugins for the Lambda bundles (serverless.yml custom.esbuild.plugins).
// CommonJS because serverless-esbuild require()s this file.
/* eslint-disable @typescript-eslint/no-require-imports */
const path = require('node:path');

/**
 * zod's namespace re-exports every error-message locale (~50 of them, ~250 KiB minified) and
 * esbuild cannot tree-shake a namespace object. Coffer only ever uses English messages (zod's
 * default, set by `config(en())` inside zod), so the bundles get a locales module holding `en`.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)) return undefined;
      return { path: path.join(path.dirname(args.importer), '..', 'locales', 'index.js'), namespace: 'zod-locales' };
    });
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: 'export { default as en } from "./en.js";\n',
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

/**
 * A package some dependencies `require()` and others `import` is bundled twice (its CommonJS and
 * its ES module build). These resolve to the CommonJS build for both, so each is bundled once.
 */
const ONE_COPY = ['libmime'];
const oneCopyPerPackage = {
  name: 'one-copy-per-package',
  setup(build) {
    const filter = new RegExp(`^(${ONE_COPY.join('|')})$`);
    build.onResolve({ filter }, (args) => {
      if (args.pluginData === 'one-copy' || args.kind === 'require-call') return undefined;
      return build.resolve(args.path, { kind: 'require-call', resolveDir: args.resolveDir, importer: args.importer, pluginData: 'one-copy' });
    });
  },
};

/**
 * The OpenSearch client requires every API namespace it knows (ml, security, knn, … ~200 KiB of
 * endpoint modules) at load time. The adapters use the root functions (bulk, search, count,
 * update, …) and `indices`; `cluster` is kept for health checks. Any other namespace is a stub
 * whose methods throw, naming this list - add a namespace here before an adapter uses it.
 */
const OPENSEARCH_NAMESPACES = new Set(['indices', 'cluster']);
const openSearchUsedNamespaces = {
  name: 'opensearch-used-namespaces',
  setup(build) {
    build.onResolve({ filter: /^\.\/[A-Za-z]+\/_api$/ }, (args) => {
      if (!/[\\/]@opensearch-project[\\/]opensearch[\\/]api$/.test(args.resolveDir)) return undefined;
      const namespace = args.path.split('/')[1] ?? '';
      if (OPENSEARCH_NAMESPACES.has(namespace)) return undefined;
      return { path: namespace, namespace: 'opensearch-unbundled' };
    });
    build.onLoad({ filter: /.*/, namespace: 'opensearch-unbundled' }, (args) => ({
      contents:
        `module.exports = function Unbundled() { return new Proxy({}, { get(_, key) { ` +
        `if (typeof key !== 'string') return undefined; ` +
        `return () => { throw new Error('OpenSearch API ${args.path}.' + key + ' is not in this bundle (scripts/esbuild-plugins.cjs)'); }; } }); };\n`,
      loader: 'js',
    }));
  },
};

module.exports = [zodEnglishOnly, oneCopyPerPackage, openSearchUsedNamespaces];
