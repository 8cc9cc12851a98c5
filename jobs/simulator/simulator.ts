/**
 * GoFuture's microservices, simulated: emits every domain event of seed 002 into an EventLog.
 *
 * Time: a discrete-event simulation in 1 s steps of simulated time (events carry ms-precise
 * occurred_at). `runFor` steps as fast as it can with no timers (tests, deterministic backfills);
 * `start` steps on a timer every `tickMs` real ms up to startTime + speed x elapsed real time.
 * Each flush publishes one batch per topic. Same seed + same startTime = same events (ids included),
 * whichever way the simulation is driven.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EventLog } from '../../connectors/contracts/event-log.ts';
import { DOMAIN_TOPICS, TOPICS } from '../../schema/events/topics.ts';
import { REGIONS } from '../../schema/regions.ts';
import type { DomainEvent, EventType } from '../../schema/events/domain-events.ts';
import { validateConfig } from '../../schema/config-validation.ts';
import { errorMessage } from '../../schema/errors.ts';
import { gauge } from '../../connectors/support/metrics.ts';
import { SimulatorConfigSchema, type SimulatorConfig, type SimulatorConfigInput } from './config.ts';
import type { SimContext, SimCounters } from './context.ts';
import { Emitter } from './emitter.ts';
import { EventQueue } from './event-queue.ts';
import { Rng, mixSeed } from './prng.ts';
import { createBooking } from './bookings.ts';
import { fleetSize, initDrivers, stepShifts } from './supply.ts';
import { stepFraud } from './fraud.ts';
import { bookingRate, createWorld, stepWeather } from './world.ts';

export interface SimulatorDeps {
  readonly log: EventLog;
  readonly logger: Logger;
  readonly metrics: Registry;
  /** Called with every valid event once it is published (in publish order per topic). */
  readonly onEmit?: (event: DomainEvent) => void;
}

export type SimulatorOptions = SimulatorDeps & SimulatorConfigInput;

export interface SimulatorStats {
  readonly running: boolean;
  readonly startTime: number;
  /** Simulated time reached (end of the last step), epoch ms. */
  readonly simulatedTime: number;
  readonly emitted: number;
  /** Records published, malformed ones included. */
  readonly published: number;
  readonly late: number;
  readonly invalid: number;
  readonly byType: Readonly<Record<EventType, number>>;
  readonly bookingsCreated: number;
  readonly bookingsActive: number;
  readonly onlineDrivers: number;
  readonly busyDrivers: number;
  readonly fraudBursts: number;
  /** Drivers in the fleet (online, busy or offline). */
  readonly drivers: number;
  /** Ground-truth labels published on fraud-labels, and how many of them are fraud. */
  readonly fraudLabels: number;
  readonly fraudulentPayments: number;
}

export interface Simulator {
  readonly config: Readonly<SimulatorConfig>;
  /** Runs on a timer until stop(). */
  start(): Promise<void>;
  /** Stops the timer and publishes everything produced so far (held-back late events included). */
  stop(): Promise<void>;
  stats(): SimulatorStats;
  /** Advances `simulatedMs` of simulated time as fast as possible (no timers), publishing as it goes. */
  runFor(simulatedMs: number): Promise<void>;
}

const STEP_MS = 1000;
const MINUTE_MS = 60_000;
/** Publishes every this many steps (and yields to the event loop so consumers progress). */
const RUN_FLUSH_STEPS = 10;

export function createSimulator(options: SimulatorOptions): Simulator {
  const { log, logger: parentLogger, metrics, onEmit, ...raw } = options;
  const config = validateConfig(SimulatorConfigSchema, raw, 'simulator');
  const logger = parentLogger.child({ job: 'simulator' });
  const startTime = Math.floor((config.startTime ?? Date.now()) / STEP_MS) * STEP_MS;
  const rng = new Rng(mixSeed(config.seed, 1));
  const runTag = mixSeed(config.seed, startTime, 7).toString(36).padStart(7, '0');
  let idSeq = 0;
  const emitter = new Emitter({
    log,
    metrics,
    ids: new Rng(mixSeed(config.seed, startTime, 2)),
    noise: new Rng(mixSeed(config.seed, 3)),
    lateShare: config.lateShare,
    maxLatenessMs: config.maxLatenessMs,
    invalidShare: config.invalidShare,
    watermarkIntervalMs: config.watermarkIntervalMs,
    onEmit,
  });
  const counters: SimCounters = { bookingsCreated: 0, bookingsActive: 0, fraudBursts: 0 };
  const ctx: SimContext = {
    config,
    rng,
    anomalyRng: new Rng(mixSeed(config.seed, startTime, 11)),
    queue: new EventQueue(),
    emitter,
    world: createWorld(rng, {
      fleetSize: (weight) => fleetSize(config.ratePerSecond, weight, REGIONS.length, config.targetUtilization, config.driversPerRegion),
      riders: config.riders,
      fraudShare: config.fraudShare,
    }),
    counters,
    nextId: (prefix) => `${prefix}-${runTag}-${(++idSeq).toString(36)}`,
  };
  const simTimeGauge = gauge(metrics, 'gofuture_simulator_time_seconds', 'Simulated time reached, epoch seconds', []);
  const activeGauge = gauge(metrics, 'gofuture_simulator_bookings_active', 'Bookings in flight in the simulator', []);

  /** Start of the next step. */
  let now = startTime;
  /** Simulated time asked for so far (steps run while a whole step fits below it). */
  let clock = startTime;
  let initialized = false;
  let topicsReady = false;
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let anchor = { real: 0, sim: 0 };
  /** Serialises ticks, runFor and stop. */
  let chain: Promise<void> = Promise.resolve();
  const exclusive = (f: () => Promise<void>): Promise<void> => {
    const next = chain.then(f);
    chain = next.catch(() => undefined);
    return next;
  };

  const step = (t: number): void => {
    if (!initialized) {
      initialized = true;
      initDrivers(ctx, t);
    }
    if ((t - startTime) % MINUTE_MS === 0) {
      for (const region of ctx.world.regions) stepWeather(rng, region, t);
      stepShifts(ctx, t);
    }
    for (const region of ctx.world.regions) {
      const arrivals = rng.poisson((bookingRate(config.ratePerSecond, region, t) * STEP_MS) / 1000);
      for (let i = 0; i < arrivals; i++) ctx.queue.schedule(t + rng.int(0, STEP_MS - 1), (at) => createBooking(ctx, region, at));
    }
    stepFraud(ctx, t);
    const end = t + STEP_MS;
    for (let item = ctx.queue.popBefore(end); item; item = ctx.queue.popBefore(end)) item.run(item.time);
    emitter.releaseDue(end);
    now = end;
  };

  const flush = async (): Promise<void> => {
    if (!topicsReady) {
      await log.ensureTopics(config.fraudLabels ? [...DOMAIN_TOPICS, TOPICS.fraudLabels] : DOMAIN_TOPICS);
      topicsReady = true;
    }
    await emitter.flush(now);
    simTimeGauge.set(now / 1000);
    activeGauge.set(counters.bookingsActive);
  };

  /** Runs every whole step below `clock`, publishing every few steps and yielding so consumers progress. */
  const advance = async (): Promise<void> => {
    let steps = 0;
    while (now + STEP_MS <= clock) {
      step(now);
      if (++steps % RUN_FLUSH_STEPS === 0) {
        await flush();
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    await flush();
  };

  const tick = async (): Promise<void> => {
    if (!running) return; // stopped while this tick was queued
    clock = Math.max(clock, anchor.sim + (performance.now() - anchor.real) * config.speed);
    await advance();
  };

  const scheduleTick = (): void => {
    timer = setTimeout(() => {
      void exclusive(tick)
        .catch((e: unknown) => logger.error({ err: errorMessage(e) }, 'simulator tick failed; will retry the publish'))
        .finally(() => {
          if (running) scheduleTick();
        });
    }, config.tickMs);
  };

  return {
    config,
    start: () =>
      exclusive(async () => {
        if (running) return;
        running = true;
        anchor = { real: performance.now(), sim: clock };
        logger.info({ startTime: new Date(now).toISOString(), speed: config.speed, ratePerSecond: config.ratePerSecond }, 'simulator started');
        scheduleTick();
      }),
    stop: () => {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      return exclusive(async () => {
        emitter.releaseAll();
        await flush();
        logger.info({ simulatedTime: new Date(now).toISOString(), emitted: emitter.stats.emitted }, 'simulator stopped');
      });
    },
    runFor: (simulatedMs) =>
      exclusive(async () => {
        clock += simulatedMs;
        await advance();
      }),
    stats: () => {
      let online = 0;
      let busy = 0;
      for (const d of ctx.world.drivers) {
        if (d.status === 'online') online++;
        else if (d.status === 'busy') busy++;
      }
      const s = emitter.stats;
      return {
        running,
        startTime,
        simulatedTime: now,
        emitted: s.emitted,
        published: s.published,
        late: s.late,
        invalid: s.invalid,
        byType: { ...s.byType },
        bookingsCreated: counters.bookingsCreated,
        bookingsActive: counters.bookingsActive,
        onlineDrivers: online,
        busyDrivers: busy,
        fraudBursts: counters.fraudBursts,
        drivers: ctx.world.drivers.length,
        fraudLabels: s.labels,
        fraudulentPayments: s.fraudLabels,
      };
    },
  };
}
