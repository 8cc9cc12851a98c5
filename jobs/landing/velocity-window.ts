/**
 * Per-user sliding windows of payment initiation times (event time), for seed 001's velocity rule.
 *
 * Each user's window knows from which instant it is complete (`from`): entries loaded from the
 * warehouse since T, plus every payment seen since. A count for an instant t needs the window to
 * be complete from t - 30 min; if it is not (user unknown after a restart, or pruned), the job
 * reloads that user from the warehouse first. Entries are keyed by payment_id, so a replayed
 * payment is never counted twice.
 */
import { VELOCITY_WINDOW_MS } from './payment-fold.ts';

/** Entries are kept this long behind a user's newest payment (a margin for late events). */
export const VELOCITY_RETAIN_MS = 2 * VELOCITY_WINDOW_MS;

interface UserWindow {
  /** Complete from this instant on. */
  from: number;
  newest: number;
  readonly entries: Map<string, number>;
}

export class VelocityWindows {
  readonly #users = new Map<string, UserWindow>();

  get size(): number {
    return this.#users.size;
  }

  /** True when counting for `at` needs `userId` loaded from the warehouse first. */
  needsLoad(userId: string, at: number): boolean {
    const w = this.#users.get(userId);
    return !w || w.from > at - VELOCITY_WINDOW_MS;
  }

  /** Records that the window of `userId` is complete from `from`, with the payments found since. */
  load(userId: string, from: number, payments: readonly { paymentId: string; at: number }[]): void {
    let w = this.#users.get(userId);
    if (!w) this.#users.set(userId, (w = { from, newest: 0, entries: new Map() }));
    w.from = Math.min(w.from, from);
    for (const p of payments) this.add(userId, p.paymentId, p.at);
  }

  add(userId: string, paymentId: string, at: number): void {
    let w = this.#users.get(userId);
    // A payment of an unloaded user makes the window complete only from its own instant on.
    if (!w) this.#users.set(userId, (w = { from: at, newest: 0, entries: new Map() }));
    w.entries.set(paymentId, at);
    w.newest = Math.max(w.newest, at);
  }

  /** The user's payments with time in [at - 30 min, at] (this payment included once added). */
  count(userId: string, at: number): number {
    const w = this.#users.get(userId);
    if (!w) return 0;
    const since = at - VELOCITY_WINDOW_MS;
    let n = 0;
    for (const t of w.entries.values()) if (t >= since && t <= at) n++;
    return n;
  }

  /** Drops entries far behind each user's newest payment, and users with nothing left. */
  prune(): void {
    for (const [user, w] of this.#users) {
      const cutoff = w.newest - VELOCITY_RETAIN_MS;
      for (const [id, t] of w.entries) if (t < cutoff) w.entries.delete(id);
      if (w.entries.size === 0) this.#users.delete(user);
      else w.from = Math.max(w.from, cutoff);
    }
  }

  clear(): void {
    this.#users.clear();
  }
}
