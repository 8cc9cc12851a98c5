/**
 * The request a piece of work belongs to: a request id (taken from `x-request-id` when the gateway
 * sends a sane one, else a fresh UUID) and a child logger carrying it. Kept in AsyncLocalStorage so
 * the error formatter can log and mask with the id of the request it is formatting.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';

export interface RequestScope {
  readonly requestId: string;
  readonly logger: Logger;
}

export const requestScope = new AsyncLocalStorage<RequestScope>();

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id'];
  const value = Array.isArray(given) ? given[0] : given;
  return value !== undefined && SAFE_ID.test(value) ? value : randomUUID();
}
