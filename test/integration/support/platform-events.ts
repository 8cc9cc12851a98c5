/**
 * Deterministic domain-event streams for the platform-level integration tests: the simulator run
 * without timers on an embedded, in-memory event log, collecting every event it emits (in publish
 * order), so a test can write them elsewhere (PostgreSQL, Kafka) and tally them itself.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createMemoryEventLog } from '../../../connectors/embedded/index.ts';
import { createSimulator, type SimulatorConfigInput } from '../../../jobs/simulator/index.ts';
import type { DomainEvent } from '../../../schema/events/domain-events.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The latest `hourUtc`:00 UTC at least `minAgoMs` before `now`. Event times must be recent (the
 * landing jobs refuse events from the future, Kafka's retention is days) and the simulator's demand
 * depends on the time of day: the same hour every day gives the same volume, day after day.
 */
export function latestUtcHour(hourUtc: number, now = Date.now(), minAgoMs = HOUR_MS): number {
  const d = new Date(now);
  let t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), hourUtc);
  while (t > now - minAgoMs) t -= DAY_MS;
  return t;
}

export interface SimulatedStream {
  /** Runs `simulatedMs` more of simulated time; returns the events emitted by it, in publish order. */
  runFor(simulatedMs: number): Promise<DomainEvent[]>;
  close(): Promise<void>;
}

/** A simulator on a throwaway in-memory log (`startTime` and `seed` fix the stream). */
export async function simulatedStream(config: SimulatorConfigInput & { readonly startTime: number }): Promise<SimulatedStream> {
  const logger = pino({ level: 'silent' });
  const metrics = new Registry();
  const log = createMemoryEventLog({}, { logger, metrics });
  await log.start();
  let batch: DomainEvent[] = [];
  const sim = createSimulator({ log, logger, metrics, onEmit: (e) => batch.push(e), ...config });
  return {
    runFor: async (ms) => {
      await sim.runFor(ms);
      const out = batch;
      batch = [];
      return out;
    },
    close: () => log.close(),
  };
}
