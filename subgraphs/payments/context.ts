/** The per-request context of the payments subgraph: the warehouse and a fresh set of DataLoaders. */
import type DataLoader from 'dataloader';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { createGroupLoader, createLoader, type RequestInfo } from '../common/index.ts';
import { paymentsByIds, paymentsByTripIds } from './queries.ts';
import type { PaymentNode } from './rows.ts';

export interface PaymentsLoaders {
  readonly payment: DataLoader<string, PaymentNode | null>;
  /** All payments of a trip: one query for every trip of a request. */
  readonly paymentsOfTrip: DataLoader<string, PaymentNode[]>;
}

export interface PaymentsContext extends RequestInfo {
  readonly warehouse: Warehouse;
  readonly loaders: PaymentsLoaders;
  readonly now: () => number;
}

export function createPaymentsLoaders(wh: Warehouse): PaymentsLoaders {
  return {
    payment: createLoader((ids) => paymentsByIds(wh, ids), (p) => p.id),
    paymentsOfTrip: createGroupLoader((ids) => paymentsByTripIds(wh, ids), (p) => p.tripId),
  };
}

export function createPaymentsContext(wh: Warehouse, now: () => number): (req: RequestInfo) => PaymentsContext {
  return (req) => ({ ...req, warehouse: wh, loaders: createPaymentsLoaders(wh), now });
}
