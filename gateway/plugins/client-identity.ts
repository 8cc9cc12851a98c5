/**
 * Whom a per-caller policy (rate limit, subscription caps) counts against: the principal the auth
 * plugin put on the context, else the client's IP address: the TCP peer, or, behind our own front
 * door (gateway thread, `trustForwardedFor`), the `x-forwarded-for` the front sets from its peer
 * (it never passes the caller's own value). A caller's forwarded-for is not trusted otherwise.
 */
import { principalOf } from '../principal.ts';

interface NodeContext {
  readonly req?: { readonly socket?: { readonly remoteAddress?: string }; readonly headers?: Record<string, string | string[] | undefined> };
  readonly request?: { readonly headers?: { get?: (name: string) => string | null } };
}

function forwardedFor(context: NodeContext | undefined): string | undefined {
  const raw = context?.request?.headers?.get?.('x-forwarded-for') ?? context?.req?.headers?.['x-forwarded-for'];
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  const last = value?.split(',').pop()?.trim();
  return last ? last : undefined;
}

export type CallerKey = (context: unknown) => string;

export function createCallerKey(trustForwardedFor: boolean): CallerKey {
  return (context) => {
    const principal = principalOf(context);
    if (principal && principal.kind !== 'anonymous') return `p:${principal.id}`;
    const ctx = context as NodeContext | undefined;
    const ip = (trustForwardedFor ? forwardedFor(ctx) : undefined) ?? ctx?.req?.socket?.remoteAddress;
    return `ip:${ip ?? 'unknown'}`;
  };
}
