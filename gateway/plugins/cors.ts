/**
 * CORS from an allow-list: an Origin on the list gets exactly that origin back (with credentials
 * when configured, `Vary: Origin`); any other Origin gets no CORS headers at all, so the browser
 * keeps the answer from the page. Never `*`, never a reflected unknown Origin. The default list is
 * empty: no cross-origin reads. (The runtime's own default reflects every Origin with credentials.)
 */
import type { CorsConfig } from './policy-config.ts';

interface CorsOptions {
  origin: string[];
  methods: string[];
  credentials: boolean;
  maxAge: number;
  exposedHeaders: string[];
}

export type CorsOption = false | ((request: Request) => CorsOptions | false);

export function corsOption(config: CorsConfig): CorsOption {
  if (config.origins.length === 0) return false;
  const allowed = new Set(config.origins);
  return (request) => {
    const origin = request.headers.get('origin');
    if (origin === null || !allowed.has(origin)) return false;
    // one origin in the list: the runtime answers with exactly it
    return { origin: [origin], methods: ['GET', 'POST'], credentials: config.credentials, maxAge: config.maxAgeSeconds, exposedHeaders: ['x-request-id', 'retry-after'] };
  };
}

/** Answers differ by Origin once an allow-list is on: caches must key on it. */
export const varyOriginPlugin = {
  onResponse({ response }: { response: Response }): void {
    const vary = response.headers.get('vary');
    if (!vary?.toLowerCase().split(/\s*,\s*/).includes('origin')) response.headers.set('vary', vary ? `${vary}, Origin` : 'Origin');
  },
};
