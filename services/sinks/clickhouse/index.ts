/** ClickHouse findings sink: writes findings to `{db}.findings` (ReplacingMergeTree on id). */
export { ClickHouseFindingSink, type ClickHouseFindingSinkOptions, type ClickHouseSinkStats } from './sink.ts';
export { ClickHouseSinkOptions, type ClickHouseSinkOptionsInput } from './config.ts';
export { createClickHouseClient, type ClickHouseConnection, type CreateClientOptions } from './client.ts';
export {
  detectServer,
  migrate,
  renderMigrations,
  renderTemplate,
  loadMigrationFiles,
  serverInfoFromVersion,
  MIGRATIONS_DIR,
  MODERN_SERVER,
  type ServerInfo,
  type RenderContext,
  type RenderedMigration,
  type MigrationFile,
  type MigrateOptions,
  type MigrateResult,
} from './migrations.ts';
export { dropPartitionsOlderThan, type DropPartitionsOptions } from './retention.ts';
export { findingsById, countFindings, countFindingsByDetector, findingPartitions, type StoredFindingRow, type CountFindingsFilter, type CountBy, type PartitionInfo } from './queries.ts';
export { toFindingRow, encodeRow, FINDING_COLUMNS, FindingRowError, type FindingRow } from './rows.ts';
export { classifyError, clickHouseErrorCode, errorText, RETRIABLE_CLICKHOUSE_CODES, RETRIABLE_SOCKET_CODES, type ErrorClass } from './errors.ts';
export { quoteIdentifier, quoteString, formatDateTime, formatDate, parseDateTime } from './sql.ts';
export { clickhouseSinkSpec, ClickHouseSinkConfig } from './spec.ts';
