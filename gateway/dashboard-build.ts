/**
 * The dashboard's browser bundle, built from `dashboard/` with esbuild in memory, once per process,
 * on the first request that needs it (docs/decisions/0025-dashboard.md): `app.js` (the page's
 * TypeScript, uPlot and the graphql-ws client, one ES module) and `app.css`. Nothing is written to
 * disk, so a clean clone serves the page after `npm ci` and the bundle can never be older than its
 * source.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { build } from 'esbuild';

export const DASHBOARD_DIR = fileURLToPath(new URL('../dashboard/', import.meta.url));
export const DASHBOARD_ENTRY = path.join(DASHBOARD_DIR, 'src', 'main.ts');

export interface DashboardAsset {
  readonly body: Buffer;
  readonly contentType: string;
  /** A strong validator: sha256 of the body. */
  readonly etag: string;
}

export interface DashboardBundle {
  /** By file name: `index.html`, `app.js`, `app.css`. */
  readonly assets: ReadonlyMap<string, DashboardAsset>;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

function asset(name: string, body: Buffer): DashboardAsset {
  const contentType = TYPES[path.extname(name)] ?? 'application/octet-stream';
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/** Builds the bundle (about 100 ms). Throws esbuild's error, with file and line, when the source does not build. */
export async function buildDashboard(): Promise<DashboardBundle> {
  const result = await build({
    entryPoints: { app: DASHBOARD_ENTRY },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome111', 'firefox115', 'safari16'],
    minify: true,
    legalComments: 'none',
    outdir: '/dashboard-out',
    write: false,
    logLevel: 'silent',
  });
  const assets = new Map<string, DashboardAsset>();
  for (const file of result.outputFiles) {
    const name = path.basename(file.path);
    assets.set(name, asset(name, Buffer.from(file.contents)));
  }
  assets.set('index.html', asset('index.html', await readFile(path.join(DASHBOARD_DIR, 'index.html'))));
  return { assets };
}

let cached: Promise<DashboardBundle> | null = null;

/** The process-wide bundle: built on first use; a failed build is retried on the next call. */
export function dashboardBundle(): Promise<DashboardBundle> {
  cached ??= buildDashboard().catch((e: unknown) => {
    cached = null;
    throw e;
  });
  return cached;
}
