/**
 * Whom a per-caller policy (rate limit, subscription caps) counts against: the principal the auth
 * plugin put on the context, else the client's IP address (the TCP peer; a proxy's forwarded-for
 * header is not trusted here).
 */
import { principalOf } from '../principal.ts';

interface NodeContext {
  readonly req?: { readonly socket?: { readonly remoteAddress?: string } };
}

export function callerKey(context: unknown): string {
  const principal = principalOf(context);
  if (principal && principal.kind !== 'anonymous') return `p:${principal.id}`;
  const ip = (context as NodeContext | undefined)?.req?.socket?.remoteAddress;
  return `ip:${ip ?? 'unknown'}`;
}
