/**
 * Facts of payments whose PaymentInitiated has not landed yet (a PaymentCompleted, PaymentFailed
 * or PaymentRefunded that reached the log first). They are normal input, not dead letters: the
 * payments lander keeps them here, one row per payment (facts as JSON, upsert by version), and
 * folds them into the PAYMENTS row when the initiation arrives. A row stays after that (harmless:
 * merging the same facts again changes nothing); it is never served.
 *
 * The table is private to the landing job (no subgraph reads it), so it lives here rather than in
 * schema/tables.
 */
import { z } from 'zod';
import type { Row, Warehouse } from '../../connectors/contracts/warehouse.ts';
import type { TableContract } from '../../schema/tables/warehouse-tables.ts';
import { encodeVersion, str } from './landing-support.ts';
import { emptyPayment, paymentFactBits, type PaymentFacts } from './payment-fold.ts';

export const PAYMENT_PENDING: TableContract = {
  name: 'landing_payment_pending',
  columns: [
    { name: 'payment_id', type: 'string' },
    { name: 'facts', type: 'string' },
    { name: 'version', type: 'int64' },
  ],
  orderBy: ['payment_id'],
  dedup: { key: ['payment_id'], version: 'version' },
};

const at = z.object({ at: z.number() });
const FactsJson = z.object({
  tripId: z.string(),
  userId: z.string(),
  newestAt: z.number(),
  completed: at.nullable(),
  failed: at.extend({ reason: z.string() }).nullable(),
  refunded: at.extend({ amount: z.number() }).nullable(),
});

export function pendingRow(f: PaymentFacts): Row {
  const facts = { tripId: f.tripId, userId: f.userId, newestAt: f.newestAt, completed: f.completed, failed: f.failed, refunded: f.refunded };
  return { payment_id: f.paymentId, facts: JSON.stringify(facts), version: encodeVersion(f.newestAt, paymentFactBits(f)) };
}

/** The pending facts of a row; null when unreadable (the caller ignores it). */
export function pendingFacts(row: Row): PaymentFacts | null {
  let json: unknown;
  try {
    json = JSON.parse(str(row, 'facts'));
  } catch {
    return null;
  }
  const r = FactsJson.safeParse(json);
  if (!r.success) return null;
  const f = emptyPayment(str(row, 'payment_id'));
  f.tripId = r.data.tripId;
  f.userId = r.data.userId;
  f.newestAt = r.data.newestAt;
  f.completed = r.data.completed;
  f.failed = r.data.failed;
  f.refunded = r.data.refunded;
  return f;
}

export async function readPending(warehouse: Warehouse, ids: readonly string[]): Promise<PaymentFacts[]> {
  if (ids.length === 0) return [];
  const rows = await warehouse.query(`SELECT * FROM ${PAYMENT_PENDING.name} WHERE payment_id IN ({ids})`, { ids });
  return rows.map(pendingFacts).filter((f): f is PaymentFacts => f !== null);
}
