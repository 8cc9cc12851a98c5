/** The `services` profile's implementations (Kafka, ClickHouse, Redis, PostgreSQL), registered as they land. */
import type { ConnectorRegistry } from '../connectors/registry.ts';

export function registerServiceConnectors(_registry: ConnectorRegistry): void {
  // filled by the real-connectors work
}
