import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';

/**
 * The GraphiQL playground at `/playground`, served entirely from this repository's installed
 * packages (React, ReactDOM, GraphiQL and the graphql-ws client as UMD builds) and its own files:
 * no CDN, so it works on a machine without internet. Queries and mutations go over HTTP to
 * `/graphql` with the headers typed in the headers editor; subscriptions go over graphql-ws to
 * `ws://…/graphql` with `{ authorization }` from those headers as connection params.
 */
const require = createRequire(import.meta.url);
const pkg = (name: string) => dirname(require.resolve(`${name}/package.json`));
const HERE = join(dirname(fileURLToPath(import.meta.url)), 'playground');

/** Served files by their public name under /playground/assets. */
const ASSETS: Record<string, string> = {
  'react.js': join(pkg('react'), 'umd/react.production.min.js'),
  'react-dom.js': join(pkg('react-dom'), 'umd/react-dom.production.min.js'),
  'graphiql.js': join(pkg('graphiql'), 'graphiql.min.js'),
  'graphiql.css': join(pkg('graphiql'), 'graphiql.min.css'),
  'graphql-ws.js': join(pkg('graphql-ws'), 'umd/graphql-ws.min.js'),
  'playground.js': join(HERE, 'playground.js'),
  'playground.css': join(HERE, 'playground.css'),
  'landlord-tab.graphql': join(HERE, 'landlord-tab.graphql'),
  'guest-tab.graphql': join(HERE, 'guest-tab.graphql'),
};

/**
 * Sends a file by name from its folder: `send` refuses a path with a dot-named segment, and given
 * the whole path it would judge the folders the product is installed under too (a checkout in a
 * hidden folder, pnpm's node_modules/.pnpm) and answer 404 for every asset.
 */
function sendFrom(res: express.Response, file: string, maxAge?: string): void {
  res.sendFile(basename(file), { root: dirname(file), maxAge, dotfiles: 'deny' });
}

export function playgroundRouter(): express.Router {
  const router = express.Router();
  router.get('/assets/:name', (req, res, next) => {
    // Own keys only: `constructor`, `__proto__`, `toString`… are inherited members, not files.
    const file = Object.hasOwn(ASSETS, req.params.name) ? ASSETS[req.params.name] : undefined;
    if (!file) return next();
    sendFrom(res, file, '1h');
  });
  router.get('/', (_req, res) => {
    res.set('cache-control', 'no-cache');
    sendFrom(res, join(HERE, 'index.html'));
  });
  return router;
}
