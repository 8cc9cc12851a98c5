/**
 * Connector registry: capability + kind -> factory. Factories are registered explicitly by the
 * composition root (bin/), never discovered.
 */
import type { z } from 'zod';
import { PlatformError } from '../schema/errors.ts';
import { validateConfig } from '../schema/config-validation.ts';
import type { Capability, Connector, ConnectorContext } from './contracts/connector.ts';

export interface ConnectorFactory<S extends z.ZodType = z.ZodType, T extends Connector = Connector> {
  readonly capability: Capability;
  readonly kind: string;
  /** Validates the connector's config (without the `kind` key). */
  readonly configSchema: S;
  create(config: Readonly<z.output<S>>, ctx: ConnectorContext): T;
}

export class ConnectorRegistry {
  readonly #factories = new Map<string, ConnectorFactory>();

  register<S extends z.ZodType, T extends Connector>(factory: ConnectorFactory<S, T>): this {
    const id = `${factory.capability}/${factory.kind}`;
    if (this.#factories.has(id)) throw new Error(`connector ${id} registered twice`);
    this.#factories.set(id, factory as unknown as ConnectorFactory);
    return this;
  }

  kinds(capability: Capability): string[] {
    return [...this.#factories.values()].filter((f) => f.capability === capability).map((f) => f.kind);
  }

  /**
   * Builds a connector from `{ kind, ...config }`. An unknown kind or a bad value is a
   * PlatformError naming `where` (e.g. `connectors.warehouse`) and the key.
   */
  create<T extends Connector>(capability: Capability, raw: { kind: string } & Record<string, unknown>, ctx: ConnectorContext, where: string): T {
    const factory = this.#factories.get(`${capability}/${raw.kind}`);
    if (!factory) {
      throw new PlatformError('CONNECTOR_UNKNOWN_KIND', `invalid config at ${where}.kind: unknown ${capability} kind "${raw.kind}" (known: ${this.kinds(capability).join(', ') || 'none'})`, { path: `${where}.kind` });
    }
    const { kind: _kind, ...rest } = raw;
    const config = validateConfig(factory.configSchema, rest, where);
    return factory.create(config, ctx) as T;
  }
}
