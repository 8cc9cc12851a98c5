/**
 * The in-process schema registry (kind `memory`) for the embedded profile and tests: subjects,
 * versions and global ids in memory, with the same compatibility semantics as the Confluent one
 * (avro-compatibility.ts). Ids are given per distinct schema (Parsing Canonical Form), so the same
 * schema under two subjects has one id, as in Confluent's registry.
 */
import type avro from 'avsc';
import type { Logger } from 'pino';
import { z } from 'zod';
import { PlatformError } from '../../schema/errors.ts';
import type { ConnectorContext, HealthReport } from '../contracts/connector.ts';
import { COMPATIBILITY_LEVELS, type CompatibilityLevel, type CompatibilityResult, type RegisteredSchema, type SchemaRegistry } from '../contracts/schema-registry.ts';
import { checkCompatibility, parseAvro } from './avro-compatibility.ts';

export const memorySchemaRegistryConfigSchema = z.object({
  /** The global compatibility level (Confluent's default: BACKWARD). */
  compatibility: z.enum(COMPATIBILITY_LEVELS).default('BACKWARD'),
}).strict();
export type MemorySchemaRegistryConfig = z.output<typeof memorySchemaRegistryConfigSchema>;

interface Version {
  readonly id: number;
  readonly type: avro.Type;
  readonly canonical: string;
}

export class MemorySchemaRegistry implements SchemaRegistry {
  readonly capability = 'schemaRegistry' as const;
  readonly kind = 'memory';
  readonly features: ReadonlySet<string> = new Set<string>();
  readonly #log: Logger;
  readonly #subjects = new Map<string, Version[]>();
  readonly #levels = new Map<string, CompatibilityLevel>();
  readonly #ids = new Map<string, number>();
  readonly #texts = new Map<number, string>();
  #global: CompatibilityLevel;
  #closed = false;

  constructor(config: MemorySchemaRegistryConfig, ctx: ConnectorContext) {
    this.#global = config.compatibility;
    this.#log = ctx.logger.child({ connector: 'schemaRegistry/memory' });
  }

  start(): Promise<void> {
    if (this.#closed) return Promise.reject(new PlatformError('CONNECTOR_NOT_STARTED', 'schemaRegistry/memory is closed'));
    return Promise.resolve();
  }

  health(): Promise<HealthReport> {
    return Promise.resolve(this.#closed ? { ok: false, detail: 'closed' } : { ok: true, detail: `${this.#subjects.size} subject(s), ${this.#texts.size} schema(s)` });
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  register(subject: string, schema: string): Promise<RegisteredSchema> {
    return this.#run(() => {
      const type = parseAvro(subject, schema);
      const canonical = type.fingerprint('sha256').toString('hex');
      const versions = this.#subjects.get(subject) ?? [];
      const same = versions.findIndex((v) => v.canonical === canonical);
      const existing = versions[same];
      if (existing) return this.#registered(subject, same + 1, existing);
      const level = this.#levelOf(subject);
      const check = checkCompatibility(level, type, versions.map((v) => v.type));
      if (!check.compatible) {
        throw new PlatformError('SCHEMA_INCOMPATIBLE', `schema for ${subject} is not ${level} compatible: ${check.messages.join('; ')}`, { subject, level, reason: check.messages.join('; ') });
      }
      let id = this.#ids.get(canonical);
      if (id === undefined) {
        id = this.#texts.size + 1;
        this.#ids.set(canonical, id);
        this.#texts.set(id, schema);
      }
      const v: Version = { id, type, canonical };
      versions.push(v);
      this.#subjects.set(subject, versions);
      this.#log.debug({ subject, id, version: versions.length }, 'schema registered');
      return this.#registered(subject, versions.length, v);
    });
  }

  schemaById(id: number): Promise<string> {
    return this.#run(() => {
      const text = this.#texts.get(id);
      if (text === undefined) throw new PlatformError('SCHEMA_UNKNOWN', `unknown schema id ${id}`, { id });
      return text;
    });
  }

  latest(subject: string): Promise<RegisteredSchema | null> {
    return this.#run(() => {
      const versions = this.#subjects.get(subject) ?? [];
      const last = versions[versions.length - 1];
      return last ? this.#registered(subject, versions.length, last) : null;
    });
  }

  versions(subject: string): Promise<number[]> {
    return this.#run(() => (this.#subjects.get(subject) ?? []).map((_, i) => i + 1));
  }

  subjects(): Promise<string[]> {
    return this.#run(() => [...this.#subjects.keys()].sort());
  }

  testCompatibility(subject: string, schema: string): Promise<CompatibilityResult> {
    return this.#run(() => checkCompatibility(this.#levelOf(subject), parseAvro(subject, schema), (this.#subjects.get(subject) ?? []).map((v) => v.type)));
  }

  compatibility(subject: string | null): Promise<CompatibilityLevel> {
    return this.#run(() => (subject === null ? this.#global : this.#levelOf(subject)));
  }

  setCompatibility(subject: string | null, level: CompatibilityLevel): Promise<void> {
    return this.#run(() => {
      if (subject === null) this.#global = level;
      else this.#levels.set(subject, level);
    });
  }

  #levelOf(subject: string): CompatibilityLevel {
    return this.#levels.get(subject) ?? this.#global;
  }

  #registered(subject: string, version: number, v: Version): RegisteredSchema {
    return { subject, id: v.id, version, schema: this.#texts.get(v.id) ?? '' };
  }

  /** Runs `f` as an async call (errors become rejections), refusing once closed. */
  #run<T>(f: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new PlatformError('CONNECTOR_NOT_STARTED', 'schemaRegistry/memory is closed'));
    try {
      return Promise.resolve(f());
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }
}
