/** The Debezium-topics ChangeSource: reads what a real Kafka Connect + Debezium writes, through an EventLog. */
export {
  createDebeziumTopicSource, DebeziumTopicSource, debeziumTopicSourceConfigSchema, debeziumTopicSourceFactory,
  type DebeziumTopicSourceConfig, type DebeziumTopicSourceDeps,
} from './debezium-topic-source.ts';
