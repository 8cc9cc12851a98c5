/**
 * Random PaymentInitiated streams for the window engine tests: several partitions, event times
 * mostly increasing with jitter (some far behind: late), records re-delivered (same offset) and
 * events published twice (same event_id at a later offset), and producer watermark marks that keep
 * their promise (W = the least event time still to come in the partition).
 */
import type { DomainEventOf } from '../../../schema/events/domain-events.ts';

export const rng = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

export type Payment = DomainEventOf<'PaymentInitiated'>;

export type StreamItem =
  | { readonly kind: 'event'; readonly partition: number; readonly offset: string; readonly event: Payment }
  | { readonly kind: 'mark'; readonly partition: number; readonly offset: string; readonly watermark: number };

export const TOPIC = 'payment-events';
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const MIN = 60_000;

/** One partition's records in offset order (first delivery only). */
function partitionLog(r: () => number, p: number, n: number): StreamItem[] {
  const out: StreamItem[] = [];
  let clock = T0 + Math.floor(r() * 5 * MIN);
  const events: Payment[] = [];
  for (let i = 0; i < n; i++) {
    clock += Math.floor(r() * 40_000);
    const lag = r() < 0.15 ? Math.floor(r() * 20 * MIN) : Math.floor(r() * 20_000);
    const t = Math.max(T0, clock - lag);
    const prev = events.length > 0 && r() < 0.06 ? events[Math.floor(r() * events.length)] : undefined;
    const e: Payment = prev ?? {
      event_id: `e-${p}-${i}`,
      occurred_at: t,
      producer: 'test',
      schema_version: 1,
      event_type: 'PaymentInitiated',
      data: {
        payment_id: `pay-${p}-${i}`, booking_id: `b-${p}-${i}`, user_id: `u-${Math.floor(r() * 6)}`, region_id: `r-${Math.floor(r() * 3)}`,
        amount: 1 + Math.floor(r() * 100), currency: 'EUR', method: r() < 0.5 ? 'card' : 'cash', device_id: `d-${Math.floor(r() * 5)}`, known_fraud_flag: r() < 0.2,
      },
    };
    events.push(e);
  }
  let offset = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (!e) continue;
    if (r() < 0.08) {
      let least = Number.POSITIVE_INFINITY;
      for (const x of events.slice(i)) least = Math.min(least, x.occurred_at);
      out.push({ kind: 'mark', partition: p, offset: String(offset++), watermark: least });
    }
    out.push({ kind: 'event', partition: p, offset: String(offset++), event: e });
  }
  return out;
}

/** The partitions' logs interleaved at random (each partition's order kept), with re-deliveries of recent records. */
export function randomStream(seed: number, partitions = 3, perPartition = 120): { logs: StreamItem[][]; delivery: StreamItem[] } {
  const r = rng(seed);
  const logs = Array.from({ length: partitions }, (_, p) => partitionLog(r, p, perPartition));
  const pos = logs.map(() => 0);
  const delivery: StreamItem[] = [];
  for (;;) {
    const open = pos.map((x, p) => (x < (logs[p]?.length ?? 0) ? p : -1)).filter((p) => p >= 0);
    if (open.length === 0) break;
    const p = open[Math.floor(r() * open.length)] ?? 0;
    const log = logs[p] ?? [];
    const k = 1 + Math.floor(r() * 6);
    for (let i = 0; i < k && (pos[p] ?? 0) < log.length; i++) {
      const item = log[pos[p] ?? 0];
      if (item) delivery.push(item);
      pos[p] = (pos[p] ?? 0) + 1;
    }
    if (r() < 0.1) {
      const back = Math.max(0, (pos[p] ?? 0) - 1 - Math.floor(r() * 4));
      const again = log[back];
      if (again) delivery.push(again);
    }
  }
  return { logs, delivery };
}
