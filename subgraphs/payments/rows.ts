/** Warehouse rows of the payments subgraph and their GraphQL-facing shapes. */
import type { Row } from '../../connectors/contracts/warehouse.ts';
import type { RiskLevel } from '../../schema/fraud-rules.ts';
import { dbToEnum, num, str, strOrNull } from '../common/index.ts';

export const PAYMENT_STATUSES = ['INITIATED', 'COMPLETED', 'FAILED', 'REFUNDED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
export const PAYMENT_METHODS = ['CARD', 'CASH', 'WALLET', 'CRYPTO'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];
/** Highest risk first, as the fraud summary lists them. */
export const RISK_LEVELS: readonly RiskLevel[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'MINIMAL'];

export const PAYMENT_COLUMNS = [
  'payment_id', 'trip_id', 'user_id', 'region_id', 'amount', 'currency', 'method', 'status',
  'failure_reason', 'refunded_amount', 'fraud_score', 'risk_level', 'fraud_reasons', 'initiated_at', 'updated_at',
].join(', ');

export interface PaymentNode {
  readonly id: string;
  readonly tripId: string;
  readonly userId: string;
  readonly regionId: string;
  readonly amount: number;
  readonly currency: string;
  readonly method: PaymentMethod;
  readonly status: PaymentStatus;
  readonly failureReason: string | null;
  readonly refundedAmount: number;
  readonly initiatedAt: number;
  readonly updatedAt: number;
  readonly fraud: { readonly score: number; readonly riskLevel: RiskLevel; readonly reasons: readonly string[] };
}

/** `fraud_reasons` holds rule ids as a JSON array or a comma-separated list. */
export function parseReasons(value: string): string[] {
  const text = value.trim();
  if (text === '') return [];
  if (text.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // not JSON after all: fall through to the list form
    }
  }
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export function toPayment(r: Row): PaymentNode {
  return {
    id: str(r['payment_id']),
    tripId: str(r['trip_id']),
    userId: str(r['user_id']),
    regionId: str(r['region_id']),
    amount: num(r['amount']),
    currency: str(r['currency']),
    method: dbToEnum(str(r['method']), PAYMENT_METHODS, 'payment method'),
    status: dbToEnum(str(r['status']), PAYMENT_STATUSES, 'payment status'),
    failureReason: strOrNull(r['failure_reason']),
    refundedAmount: num(r['refunded_amount']),
    initiatedAt: num(r['initiated_at']),
    updatedAt: num(r['updated_at']),
    fraud: {
      score: Math.min(1, Math.max(0, num(r['fraud_score']))),
      riskLevel: dbToEnum(str(r['risk_level']), RISK_LEVELS, 'risk level'),
      reasons: parseReasons(str(r['fraud_reasons'])),
    },
  };
}
