/**
 * The schema registry over Confluent's REST API (kind `confluent`), plain fetch: Confluent Schema
 * Registry itself, or Apicurio Registry's `ccompat` API (`/apis/ccompat/v7`, what
 * scripts/services.sh starts), Karapace, Redpanda. Calls used:
 *
 *   POST /subjects/{s}/versions            register (409 = incompatible, 422 = invalid schema)
 *   POST /subjects/{s}                     lookup of an already registered schema (id, version)
 *   GET  /schemas/ids/{id}                 schema by id (404 = unknown id)
 *   GET  /subjects, /subjects/{s}/versions, /subjects/{s}/versions/latest
 *   POST /compatibility/subjects/{s}/versions/latest
 *   GET|PUT /config, /config/{s}           compatibility level
 *
 * Schemas by id are cached (an id never changes meaning). Network errors, 429 and 5xx are retried
 * with backoff; start() probes `GET /subjects` under the same backoff, then CONNECTOR_UNAVAILABLE.
 * With `compatibility` set, start() sets the global level to it (Apicurio starts with no rule).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { z } from 'zod';
import { errorMessage, PlatformError } from '../../schema/errors.ts';
import type { ConnectorContext, HealthReport } from '../contracts/connector.ts';
import { COMPATIBILITY_LEVELS, type CompatibilityLevel, type CompatibilityResult, type RegisteredSchema, type SchemaRegistry } from '../contracts/schema-registry.ts';
import { withRetry } from '../support/retry.ts';
import { parseAvro } from './avro-compatibility.ts';

export const confluentSchemaRegistryConfigSchema = z.object({
  /** Base URL of the Confluent-compatible API, e.g. http://127.0.0.1:18081/apis/ccompat/v7 (Apicurio). */
  url: z.url().default('http://127.0.0.1:18081/apis/ccompat/v7'),
  /** The global compatibility level set at start(); unset leaves the registry's own. */
  compatibility: z.enum(COMPATIBILITY_LEVELS).optional(),
  requestTimeoutMs: z.number().int().positive().default(10_000),
  retry: z.object({
    retries: z.number().int().min(0).default(5),
    initialMs: z.number().int().positive().default(300),
    maxMs: z.number().int().positive().default(10_000),
  }).strict().prefault({}),
}).strict();
export type ConfluentSchemaRegistryConfig = z.output<typeof confluentSchemaRegistryConfigSchema>;

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** A registry answer that is not 2xx, with Confluent's `{error_code, message}`. */
class RegistryHttpError extends Error {
  readonly status: number;
  readonly errorCode: number;
  constructor(status: number, errorCode: number, message: string) {
    super(message);
    this.name = 'RegistryHttpError';
    this.status = status;
    this.errorCode = errorCode;
  }
}

const retriable = (e: unknown): boolean => !(e instanceof RegistryHttpError) || e.status === 429 || e.status >= 500;

export class ConfluentSchemaRegistry implements SchemaRegistry {
  readonly capability = 'schemaRegistry' as const;
  readonly kind = 'confluent';
  readonly features: ReadonlySet<string> = new Set<string>();
  readonly #c: ConfluentSchemaRegistryConfig;
  readonly #base: string;
  readonly #log: Logger;
  readonly #byId = new Map<number, string>();
  #started = false;
  #closed = false;

  constructor(config: ConfluentSchemaRegistryConfig, ctx: ConnectorContext) {
    this.#c = config;
    this.#base = config.url.replace(/\/+$/, '');
    this.#log = ctx.logger.child({ connector: 'schemaRegistry/confluent' });
  }

  async start(): Promise<void> {
    if (this.#closed) throw new PlatformError('CONNECTOR_NOT_STARTED', 'schemaRegistry/confluent is closed');
    if (this.#started) return;
    try {
      await withRetry(() => this.#call('GET', '/subjects', undefined, false), {
        ...this.#c.retry,
        onRetry: (attempt, e, delayMs) => this.#log.warn({ attempt, delayMs, url: this.#base, err: errorMessage(e) }, 'schema registry not reachable, retrying'),
      });
    } catch (e) {
      throw new PlatformError('CONNECTOR_UNAVAILABLE', `schemaRegistry/confluent cannot reach ${this.#base}: ${errorMessage(e)}`, { url: this.#base }, { cause: e });
    }
    this.#started = true;
    if (this.#c.compatibility) await this.setCompatibility(null, this.#c.compatibility);
    this.#log.info({ url: this.#base }, 'schema registry connected');
  }

  async health(): Promise<HealthReport> {
    if (!this.#started || this.#closed) return { ok: false, detail: this.#closed ? 'closed' : 'not started' };
    try {
      const subjects = await this.#call<string[]>('GET', '/subjects', undefined, false);
      return { ok: true, detail: `${this.#base}: ${subjects.length} subject(s)` };
    } catch (e) {
      return { ok: false, detail: errorMessage(e) };
    }
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async register(subject: string, schema: string): Promise<RegisteredSchema> {
    parseAvro(subject, schema); // SCHEMA_INVALID before any request, the same words as the embedded one
    let id: number;
    try {
      ({ id } = await this.#call<{ id: number }>('POST', `/subjects/${enc(subject)}/versions`, { schema, schemaType: 'AVRO' }));
    } catch (e) {
      if (e instanceof RegistryHttpError && e.status === 409) {
        // Apicurio answers 409 "already exists" too when a concurrent (or retried) call created the
        // subject with this very schema: that is a success
        const found = await this.#lookup(subject, schema);
        if (found) return found;
        const level = await this.compatibility(subject).catch(() => 'BACKWARD' as const);
        throw new PlatformError('SCHEMA_INCOMPATIBLE', `schema for ${subject} is not ${level} compatible: ${e.message}`, { subject, level, reason: e.message }, { cause: e });
      }
      if (e instanceof RegistryHttpError && e.status === 422) throw new PlatformError('SCHEMA_INVALID', `invalid Avro schema for ${subject}: ${e.message}`, { subject, reason: e.message }, { cause: e });
      throw e;
    }
    this.#byId.set(id, schema);
    // the version: the registry's lookup of this very schema under the subject
    const found = await this.#call<{ id: number; version: number }>('POST', `/subjects/${enc(subject)}`, { schema, schemaType: 'AVRO' });
    return { subject, id, version: found.version, schema };
  }

  /** The id and version `schema` already has under `subject`, or null. */
  async #lookup(subject: string, schema: string): Promise<RegisteredSchema | null> {
    try {
      const r = await this.#call<{ id: number; version: number }>('POST', `/subjects/${enc(subject)}`, { schema, schemaType: 'AVRO' });
      this.#byId.set(r.id, schema);
      return { subject, id: r.id, version: r.version, schema };
    } catch (e) {
      if (e instanceof RegistryHttpError && e.status === 404) return null;
      throw e;
    }
  }

  async schemaById(id: number): Promise<string> {
    const cached = this.#byId.get(id);
    if (cached !== undefined) return cached;
    try {
      const { schema } = await this.#call<{ schema: string }>('GET', `/schemas/ids/${id}`);
      this.#byId.set(id, schema);
      return schema;
    } catch (e) {
      if (e instanceof RegistryHttpError && e.status === 404) throw new PlatformError('SCHEMA_UNKNOWN', `unknown schema id ${id}`, { id }, { cause: e });
      throw e;
    }
  }

  async latest(subject: string): Promise<RegisteredSchema | null> {
    try {
      const r = await this.#call<{ id: number; version: number; schema: string }>('GET', `/subjects/${enc(subject)}/versions/latest`);
      return { subject, id: r.id, version: r.version, schema: r.schema };
    } catch (e) {
      if (e instanceof RegistryHttpError && e.status === 404) return null;
      throw e;
    }
  }

  async versions(subject: string): Promise<number[]> {
    try {
      return (await this.#call<number[]>('GET', `/subjects/${enc(subject)}/versions`)).sort((a, b) => a - b);
    } catch (e) {
      if (e instanceof RegistryHttpError && e.status === 404) return [];
      throw e;
    }
  }

  async subjects(): Promise<string[]> {
    return (await this.#call<string[]>('GET', '/subjects')).sort();
  }

  async testCompatibility(subject: string, schema: string): Promise<CompatibilityResult> {
    parseAvro(subject, schema);
    if ((await this.versions(subject)).length === 0) return { compatible: true, messages: [] };
    const r = await this.#call<{ is_compatible: boolean; messages?: string[] }>('POST', `/compatibility/subjects/${enc(subject)}/versions/latest?verbose=true`, { schema, schemaType: 'AVRO' });
    return { compatible: r.is_compatible, messages: r.messages ?? [] };
  }

  async compatibility(subject: string | null): Promise<CompatibilityLevel> {
    if (subject !== null) {
      try {
        return levelOf(await this.#call<ConfigBody>('GET', `/config/${enc(subject)}`));
      } catch (e) {
        if (!(e instanceof RegistryHttpError && e.status === 404)) throw e;
      }
    }
    return levelOf(await this.#call<ConfigBody>('GET', '/config'));
  }

  async setCompatibility(subject: string | null, level: CompatibilityLevel): Promise<void> {
    await this.#call('PUT', subject === null ? '/config' : `/config/${enc(subject)}`, { compatibility: level });
  }

  async #call<T>(method: string, path: string, body?: unknown, retry = true): Promise<T> {
    if (this.#closed) throw new PlatformError('CONNECTOR_NOT_STARTED', 'schemaRegistry/confluent is closed');
    const once = async (): Promise<T> => {
      const res = await fetch(`${this.#base}${path}`, {
        method,
        headers: { accept: `${CONTENT_TYPE}, application/json`, ...(body === undefined ? {} : { 'content-type': CONTENT_TYPE }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#c.requestTimeoutMs),
      });
      const text = await res.text();
      if (!res.ok) {
        let code = res.status;
        let message = text.slice(0, 500) || res.statusText;
        try {
          const j = JSON.parse(text) as { error_code?: number; message?: string };
          code = j.error_code ?? code;
          message = j.message ?? message;
        } catch {
          // not JSON: keep the text
        }
        throw new RegistryHttpError(res.status, code, `${method} ${path}: ${res.status} ${message}`);
      }
      return (text.length ? JSON.parse(text) : {}) as T;
    };
    if (!retry) return once();
    const { retries, initialMs, maxMs } = this.#c.retry;
    for (let attempt = 1; ; attempt++) {
      try {
        return await once();
      } catch (e) {
        if (!retriable(e)) throw e;
        if (attempt > retries) throw new PlatformError('CONNECTOR_UNAVAILABLE', `schema registry ${this.#base}: ${errorMessage(e)}`, { url: this.#base }, { cause: e });
        const delay = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
        this.#log.warn({ attempt, delayMs: delay, err: errorMessage(e) }, 'schema registry call failed, retrying');
        await sleep(delay);
      }
    }
  }
}

interface ConfigBody {
  readonly compatibilityLevel?: string;
  readonly compatibility?: string;
}

function levelOf(b: ConfigBody): CompatibilityLevel {
  const v = b.compatibilityLevel ?? b.compatibility ?? 'BACKWARD';
  return (COMPATIBILITY_LEVELS as readonly string[]).includes(v) ? (v as CompatibilityLevel) : 'BACKWARD';
}

const enc = encodeURIComponent;
