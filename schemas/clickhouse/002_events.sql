-- 002: the normalized events by class, for SOC queries next to the findings. One table per class,
-- partitioned by UTC day and ordered by (entity, time, uid): "everything principal X did last
-- week" reads one contiguous range. ReplacingMergeTree keyed on that order, so an event written
-- twice (a redelivered batch) is one row under FINAL. Retention: TTL on servers that have it, else
-- dropPartitionsOlderThan (services/sinks/clickhouse/retention.ts) on a schedule.
CREATE TABLE IF NOT EXISTS {db}.api_activity
(
    time          DateTime('UTC'),
    date          Date,
    uid           String,
    entity_key    String,
    principal     String,
    principal_type {string_lc},
    account_uid   {string_lc},
    provider      {string_lc},
    region        {string_lc},
    service       {string_lc},
    operation     {string_lc},
    status        {string_lc},
    error_code    String,
    src_ip        String,
    user_agent    String,
    product       {string_lc},
    event_json    String,
    ingested_at   DateTime('UTC')
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMMDD(date)
ORDER BY (entity_key, time, uid)
--@if ttl
TTL date + toIntervalDay({retention_days})
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1
--@else
SETTINGS index_granularity = 8192
--@end
;
CREATE TABLE IF NOT EXISTS {db}.config_state
(
    time          DateTime('UTC'),
    date          Date,
    uid           String,
    entity_key    String,
    resource_type {string_lc},
    resource_name String,
    account_uid   {string_lc},
    region        {string_lc},
    source        {string_lc},
    change_type   {string_lc},
    config_hash   String,
    event_json    String,
    ingested_at   DateTime('UTC')
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMMDD(date)
ORDER BY (entity_key, time, uid)
--@if ttl
TTL date + toIntervalDay({retention_days})
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1
--@else
SETTINGS index_granularity = 8192
--@end
;
CREATE TABLE IF NOT EXISTS {db}.network_activity
(
    time          DateTime('UTC'),
    date          Date,
    uid           String,
    entity_key    String,
    src_namespace {string_lc},
    src_workload  String,
    dst_identity  String,
    dst_port      UInt16,
    protocol      {string_lc},
    direction     {string_lc},
    verdict       {string_lc},
    bytes         UInt64,
    event_json    String,
    ingested_at   DateTime('UTC')
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMMDD(date)
ORDER BY (entity_key, time, uid)
--@if ttl
TTL date + toIntervalDay({retention_days})
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1
--@else
SETTINGS index_granularity = 8192
--@end
;
-- Rollups, filled by materialized views on insert. They count inserted rows: a redelivered batch
-- (after a crash) is counted again, so they are dashboards and trend lines; exact answers come from
-- the base tables with FINAL.
CREATE TABLE IF NOT EXISTS {db}.api_activity_hourly
(
    hour        DateTime('UTC'),
    date        Date,
    account_uid {string_lc},
    principal   String,
    service     {string_lc},
    operation   {string_lc},
    events      UInt64,
    failures    UInt64
)
ENGINE = SummingMergeTree((events, failures))
PARTITION BY toYYYYMM(date)
ORDER BY (account_uid, principal, service, operation, hour)
;
CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.api_activity_hourly_mv TO {db}.api_activity_hourly
AS SELECT
    toStartOfHour(time) AS hour,
    date,
    account_uid,
    principal,
    service,
    operation,
    toUInt64(1) AS events,
    toUInt64(status = 'Failure') AS failures
FROM {db}.api_activity
;
CREATE TABLE IF NOT EXISTS {db}.network_edges_hourly
(
    hour          DateTime('UTC'),
    date          Date,
    src_workload  String,
    dst_identity  String,
    dst_port      UInt16,
    protocol      {string_lc},
    flows         UInt64,
    bytes         UInt64
)
ENGINE = SummingMergeTree((flows, bytes))
PARTITION BY toYYYYMM(date)
ORDER BY (src_workload, dst_identity, dst_port, protocol, hour)
;
CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.network_edges_hourly_mv TO {db}.network_edges_hourly
AS SELECT
    toStartOfHour(time) AS hour,
    date,
    src_workload,
    dst_identity,
    dst_port,
    protocol,
    toUInt64(1) AS flows,
    bytes
FROM {db}.network_activity
;
CREATE TABLE IF NOT EXISTS {db}.findings_daily
(
    date      Date,
    detector  {string_lc},
    rule      {string_lc},
    severity  {string_lc},
    findings  UInt64
)
ENGINE = SummingMergeTree(findings)
PARTITION BY toYYYYMM(date)
ORDER BY (detector, rule, severity, date)
;
CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.findings_daily_mv TO {db}.findings_daily
AS SELECT date, detector, rule, severity, toUInt64(1) AS findings
FROM {db}.findings
;
