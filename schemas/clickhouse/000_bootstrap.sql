-- Bootstrap: run before every migration pass and never recorded. Idempotent.
-- Template syntax (rendered by services/sinks/clickhouse/migrations.ts):
--   {db}                the database, backquoted
--   {string_lc}         LowCardinality(String) on servers that have it (20.3+), else String
--   {retention_days}    sink option retentionDays
--   --@if FEATURE / --@else / --@end   lines kept only when the server has FEATURE
--                       (ttl, lowcardinality, skip_indexes)
-- Statements end with a line holding only ";" or a line ending in ";".

CREATE DATABASE IF NOT EXISTS {db};

-- One row per applied migration. Two processes migrating at once may both insert a row for the
-- same version; readers use DISTINCT, so that is harmless.
CREATE TABLE IF NOT EXISTS {db}.schema_migrations
(
    version        UInt32,
    name           String,
    checksum       String,
    server_version String,
    applied_at     DateTime('UTC')
)
ENGINE = ReplacingMergeTree()
ORDER BY version;
