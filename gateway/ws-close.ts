/**
 * graphql-ws close reasons from the error catalogue: `<CODE>: <message>`, cut to what a close
 * frame holds (123 bytes), so a client can tell why it was closed by the code in front.
 */
import type { ErrorCode } from '../schema/errors.ts';

export function fitCloseReason(text: string): string {
  return Buffer.byteLength(text) <= 123 ? text : `${Buffer.from(text).subarray(0, 120).toString('utf8')}...`;
}

export function wsCloseReason(code: ErrorCode, message: string): string {
  return fitCloseReason(`${code}: ${message}`);
}
