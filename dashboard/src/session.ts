/**
 * The dashboard's credentials: a token from the URL fragment (`/dashboard#token=<jwt or API key>`,
 * removed from the address bar at once and never sent in a URL), else the one this tab stored
 * (sessionStorage), else none (the gateway may run open, in dev). The sign-in form stores one and
 * reloads; sign-out forgets it.
 */
import { byId } from './dom.ts';

const KEY = 'gofuture.dashboard.token';

export function takeToken(): string | null {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const fromFragment = params.get('token');
  if (fromFragment) {
    sessionStorage.setItem(KEY, fromFragment.trim());
    history.replaceState(null, '', `${location.pathname}${location.search}`);
  }
  return sessionStorage.getItem(KEY);
}

let prompted = false;

/** Shows the sign-in form with why (no token, or the gateway refused the one given). */
export function askForToken(reason: string): void {
  if (prompted) return;
  prompted = true;
  byId('signin').hidden = false;
  byId('signin-reason').textContent = reason;
  byId<HTMLInputElement>('signin-token').focus();
}

export function wireSession(token: string | null): void {
  const signOut = byId<HTMLButtonElement>('sign-out');
  signOut.hidden = token === null;
  signOut.addEventListener('click', () => {
    sessionStorage.removeItem(KEY);
    location.reload();
  });
  byId<HTMLFormElement>('signin-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const value = byId<HTMLInputElement>('signin-token').value.trim();
    if (!value) return;
    sessionStorage.setItem(KEY, value);
    location.reload();
  });
  byId('who').textContent = token === null ? 'no token' : subjectOf(token);
}

/** `sub` and roles of a JWT, for the header (not verified here: the gateway verifies). */
function subjectOf(token: string): string {
  const part = token.split('.')[1];
  if (!part) return 'API key';
  try {
    const claims = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: unknown; roles?: unknown };
    const roles = Array.isArray(claims.roles) ? claims.roles.join(', ') : '';
    return `${typeof claims.sub === 'string' ? claims.sub : '?'}${roles ? ` (${roles})` : ''}`;
  } catch {
    return 'token';
  }
}
