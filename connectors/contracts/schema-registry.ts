/**
 * SchemaRegistry: versioned Avro schemas per subject with a compatibility rule, the Confluent Schema
 * Registry model. Implementations: in-process (embedded, `memory`) and Confluent's REST API
 * (`confluent`: Confluent Schema Registry, Apicurio Registry's ccompat API, Karapace, Redpanda).
 *
 * Semantics every implementation keeps (test/conformance/schema-registry.suite.ts checks them):
 * - `register` is idempotent: the same schema (same canonical form) under the same subject returns
 *   the id and version it already has. A new schema gets the next version of the subject.
 * - Ids are positive integers, unique across the registry; `schemaById` returns a schema that parses
 *   to the same Avro type. An unknown id: SCHEMA_UNKNOWN.
 * - Before a new version is added it is checked against the subject's compatibility level (the
 *   subject's own, else the global one, BACKWARD by default): an incompatible schema is refused with
 *   SCHEMA_INCOMPATIBLE and changes nothing. BACKWARD = the new schema can read data written with
 *   the latest one; *_TRANSITIVE = with every one; FORWARD the other way; FULL both; NONE no check.
 * - A schema that is not valid Avro: SCHEMA_INVALID.
 */
import type { Connector } from './connector.ts';

export const COMPATIBILITY_LEVELS = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export interface RegisteredSchema {
  readonly subject: string;
  readonly id: number;
  readonly version: number;
  /** The schema text (JSON of an Avro schema). */
  readonly schema: string;
}

export interface CompatibilityResult {
  readonly compatible: boolean;
  /** Why not, when not (implementation's words). */
  readonly messages: readonly string[];
}

export interface SchemaRegistry extends Connector {
  readonly capability: 'schemaRegistry';
  /** Registers `schema` (Avro JSON text) under `subject`. SCHEMA_INCOMPATIBLE / SCHEMA_INVALID. */
  register(subject: string, schema: string): Promise<RegisteredSchema>;
  /** The schema text of a global id. SCHEMA_UNKNOWN. */
  schemaById(id: number): Promise<string>;
  /** The latest version of a subject, or null for a subject never registered. */
  latest(subject: string): Promise<RegisteredSchema | null>;
  /** The versions of a subject, ascending ([] for an unknown subject). */
  versions(subject: string): Promise<number[]>;
  subjects(): Promise<string[]>;
  /** Would `register` accept `schema` under `subject`? (true for a subject with no version yet.) */
  testCompatibility(subject: string, schema: string): Promise<CompatibilityResult>;
  /** The level in force for `subject` (its own, else the global one); `null` asks for the global one. */
  compatibility(subject: string | null): Promise<CompatibilityLevel>;
  /** Sets the level of `subject`, or the global level with `null`. */
  setCompatibility(subject: string | null, level: CompatibilityLevel): Promise<void>;
}
