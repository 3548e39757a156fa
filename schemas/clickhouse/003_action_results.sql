-- 003: the outcome of every action the remediator and the enforcer handled (the records of
-- topics.actionResults, sluice.action-results.v1), for SOC queries next to the findings.
-- One row per (action id, executor, outcome) once merged: a result written twice (a redelivered
-- batch of the results topic, or the same action handled again with the same outcome) is one row
-- under FINAL; different outcomes of one action (dry_run, then done after dryRun was turned off;
-- done, then already_done on a redelivery) stay apart, so the history of an action is kept.
-- The latest outcome of an action: argMax(outcome, version) ... GROUP BY action_id, executor.
-- Partitions are UTC days of `date` (the day of the result's `time`), as findings.
CREATE TABLE IF NOT EXISTS {db}.action_results
(
    action_id    String,
    executor     {string_lc},
    outcome      {string_lc},
    dry_run      UInt8,
    time         DateTime('UTC'),
    date         Date,
    account      {string_lc},
    region       {string_lc},
    target       String,
    reason       String,
    steps        Array(String),
    finding_id   String,
    detector     {string_lc},
    result_json  String,
    version      UInt64,
    ingested_at  DateTime('UTC')
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMMDD(date)
ORDER BY (action_id, executor, outcome)
--@if ttl
TTL date + toIntervalDay({retention_days})
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1
--@else
SETTINGS index_granularity = 8192
--@end
;
