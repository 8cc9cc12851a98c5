/** What every part of the simulation shares: config, randomness, the agenda, the emitter, the world. */
import type { SimulatorConfig } from './config.ts';
import type { Emitter } from './emitter.ts';
import type { EventQueue } from './event-queue.ts';
import type { Rng } from './prng.ts';
import type { World } from './world.ts';

export interface SimCounters {
  bookingsCreated: number;
  bookingsActive: number;
  fraudBursts: number;
}

export interface SimContext {
  readonly config: SimulatorConfig;
  /** Behaviour draws (who, when, how much). */
  readonly rng: Rng;
  /** Draws of the injected anomalies only (glitches.ts), so turning them on or off changes no other event. */
  readonly anomalyRng: Rng;
  readonly queue: EventQueue;
  readonly emitter: Emitter;
  readonly world: World;
  readonly counters: SimCounters;
  /** A new entity id: `<prefix>-<run tag>-<sequence>` (unique per seed and start time). */
  nextId(prefix: string): string;
}
