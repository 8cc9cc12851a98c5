/**
 * `GET /dashboard` on the gateway: the operations dashboard (dashboard/, docs/decisions/0025-dashboard.md).
 * `/dashboard` is the page, `/dashboard/assets/app.js` and `/dashboard/assets/app.css` its bundle
 * (gateway/dashboard-build.ts). Every answer carries a Content-Security-Policy that allows only this
 * origin's scripts, styles and connections (no inline script or style, no framing), `nosniff`, and
 * `no-referrer`. The page holds no data: it reads everything through /graphql (HTTP and graphql-ws)
 * with the caller's token, so the field rules decide what it shows.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { errorMessage } from '../schema/errors.ts';
import { dashboardBundle, type DashboardAsset } from './dashboard-build.ts';

export const DASHBOARD_PATH = '/dashboard';
const ASSETS_PREFIX = `${DASHBOARD_PATH}/assets/`;

/**
 * `'self'` covers ws:// and wss:// of the same host (CSP level 3). `img-src data:` is for the page's
 * empty favicon; uPlot draws on a canvas and sizes elements through the CSSOM, which style-src does
 * not govern.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

export interface DashboardRoutes {
  /** Whether `pathname` is the dashboard's (the page or one of its assets). */
  matches(pathname: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse, pathname: string): void;
}

function plain(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...extra });
  res.end(text);
}

function send(req: IncomingMessage, res: ServerResponse, a: DashboardAsset): void {
  const headers = { ...SECURITY_HEADERS, 'content-type': a.contentType, 'cache-control': 'no-cache', etag: a.etag };
  if (req.headers['if-none-match'] === a.etag) {
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': String(a.body.length) });
  res.end(req.method === 'HEAD' ? undefined : a.body);
}

/** Which bundle file a path names, or null. */
function fileOf(pathname: string): string | null {
  if (pathname === DASHBOARD_PATH) return 'index.html';
  if (!pathname.startsWith(ASSETS_PREFIX)) return null;
  const name = pathname.slice(ASSETS_PREFIX.length);
  return name === 'app.js' || name === 'app.css' ? name : null;
}

export function createDashboardRoutes(o: { readonly logger: Logger }): DashboardRoutes {
  const log = o.logger.child({ component: 'dashboard' });
  return {
    matches: (pathname) => pathname === DASHBOARD_PATH || pathname.startsWith(`${DASHBOARD_PATH}/`),
    handle(req, res, pathname) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'The dashboard takes GET.\n', { allow: 'GET, HEAD' });
      if (pathname === `${DASHBOARD_PATH}/`) return plain(res, 308, '', { location: DASHBOARD_PATH });
      const file = fileOf(pathname);
      if (!file) return plain(res, 404, 'Not found.\n');
      dashboardBundle().then(
        (bundle) => {
          const a = bundle.assets.get(file);
          if (a) send(req, res, a);
          else plain(res, 404, 'Not found.\n');
        },
        (e: unknown) => {
          log.error({ err: errorMessage(e) }, 'the dashboard bundle does not build');
          plain(res, 500, 'The dashboard could not be built; see the gateway log.\n');
        },
      );
    },
  };
}
