/**
 * A graphql-ws connection lives no longer than the token that opened it: graphql-ws has no
 * re-authentication message, so the credentials of `connection_init` hold for the connection,
 * and when the JWT's `exp` passes the socket is closed with 4401 `SUBSCRIPTION_TOKEN_EXPIRED`
 * (every subscription on it ends; the client reconnects with a fresh token). Operations sent on
 * the connection are authenticated again anyway (auth-ws.ts), so a new subscribe after `exp`
 * already fails; this ends the ones that were running.
 */
import { formatError } from '../schema/errors.ts';
import { wsCloseReason } from './ws-close.ts';

export interface ExpiringSocket {
  close(code: number, reason: string): void;
  once?(event: 'close', listener: () => void): unknown;
}

/** graphql-ws' Unauthorized close code (auth-ws.ts WS_UNAUTHORIZED; not imported, auth-ws imports this file). */
const WS_UNAUTHORIZED = 4401;

/** setTimeout's longest delay (~24.8 days); a later expiry is re-armed. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** Closes `socket` with 4401 at `expiresAtMs` (epoch ms); the timer goes when the socket closes first. */
export function closeAtExpiry(socket: ExpiringSocket, expiresAtMs: number, now: () => number = Date.now): void {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const left = expiresAtMs - now();
    if (left <= 0) {
      timer = undefined;
      socket.close(WS_UNAUTHORIZED, wsCloseReason('SUBSCRIPTION_TOKEN_EXPIRED', formatError('SUBSCRIPTION_TOKEN_EXPIRED', { at: new Date(expiresAtMs).toISOString() })));
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_DELAY_MS));
    timer.unref();
  };
  arm();
  socket.once?.('close', () => {
    if (timer) clearTimeout(timer);
  });
}
