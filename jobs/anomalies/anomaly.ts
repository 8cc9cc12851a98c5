/** What a stream anomaly detector reports: one anomaly per triggering event, with its evidence. */
import type { AlertSeverity } from '../../schema/lake/alerts.ts';

export type AnomalyKind = 'location_jump' | 'payment_burst' | 'payment_methods' | 'amount_spike';
export const ANOMALY_KINDS: readonly AnomalyKind[] = ['location_jump', 'payment_burst', 'payment_methods', 'amount_spike'];

export interface Anomaly {
  readonly kind: AnomalyKind;
  /** The driver or user the anomaly is about. */
  readonly subjectId: string;
  /** Event time of the triggering event. */
  readonly at: number;
  /** The triggering event: one anomaly of a kind per event, so the alert id is stable across replays. */
  readonly eventId: string;
  readonly severity: AlertSeverity;
  readonly message: string;
  readonly evidence: Readonly<Record<string, unknown>>;
}

/** The alert id of an anomaly: a function of the log (kind + triggering event), never random. */
export const anomalyAlertId = (a: Pick<Anomaly, 'kind' | 'eventId'>): string => `anomaly-${a.kind}-${a.eventId}`;
