import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';

import type { RequestHandler } from 'express';

/**
 * Every file under public/ is served twice under /static/: as `<name>.<hash>.<ext>` (the first 12
 * hex characters of its SHA-256), cached for a year and marked immutable, since a changed file gets
 * another address; and under its plain name (`/static/app.css`), cached for 5 minutes, for links
 * made before. Pages link the hashed address through `{{asset "app.css"}}` (views.ts). The hashes
 * are taken once, when the service starts: a file changed on disk is served under its new hash
 * after a restart.
 */
export const IMMUTABLE_MAX_AGE_MS = 365 * 24 * 60 * 60 * 1000;
export const PLAIN_MAX_AGE_MS = 5 * 60 * 1000;
const HASH_LENGTH = 12;

export interface StaticAssets {
  /** The hashed address of a file under public/ (`app.css` → `/static/app.0123456789ab.css`); throws for an unknown file. */
  url(name: string): string;
  /** Serves /static/…: mount with `app.use('/static', assets.handler)`. */
  handler: RequestHandler;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

/** `app.css` + hash → `app.<hash>.css`; a name without an extension gets the hash at its end. */
function hashedName(name: string, hash: string): string {
  const ext = extname(name);
  return ext === '' ? `${name}.${hash}` : `${name.slice(0, -ext.length)}.${hash}${ext}`;
}

const HASHED = new RegExp(`^(.*)\\.[0-9a-f]{${HASH_LENGTH}}(\\.[^./]+)?$`);

export function createStaticAssets(dir: string): StaticAssets {
  const hashed = new Map<string, string>();
  /** Served path (no leading slash) → file name under `dir`, with whether it may be cached for good. */
  const served = new Map<string, { name: string; immutable: boolean }>();
  for (const name of filesUnder(dir)) {
    const hash = createHash('sha256').update(readFileSync(join(dir, name))).digest('hex').slice(0, HASH_LENGTH);
    const path = hashedName(name, hash);
    hashed.set(name, path);
    served.set(path, { name, immutable: true });
    served.set(name, { name, immutable: false });
  }

  const lookup = (path: string): { name: string; immutable: boolean } | undefined => {
    const found = served.get(path);
    if (found) return found;
    // A hash that is no longer the file's (a page made before a deploy): the file as it is now, but
    // only for the short time; caching it for good would tie the old address to new content.
    const match = HASHED.exec(path);
    if (!match) return undefined;
    return served.get(`${match[1]}${match[2] ?? ''}`);
  };

  return {
    url(name) {
      const path = hashed.get(name);
      if (path === undefined) throw new Error(`no file "${name}" under public/`);
      return `/static/${path}`;
    },
    handler: (req, res, next) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return next();
      let path: string;
      try {
        path = decodeURIComponent(req.path.slice(1));
      } catch {
        return next();
      }
      const found = lookup(path);
      if (!found) return next();
      // Only names found under `dir` at start-up reach here, so no path leaves it.
      res.sendFile(found.name, { root: dir, dotfiles: 'deny', lastModified: !found.immutable, maxAge: found.immutable ? IMMUTABLE_MAX_AGE_MS : PLAIN_MAX_AGE_MS, immutable: found.immutable }, (error) => {
        if (error && !res.headersSent) next(error);
      });
    },
  };
}
