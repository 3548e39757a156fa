-- 001: the findings table. One row per finding id once merged (ReplacingMergeTree keyed on id);
-- read with FINAL (or argMax(..., version)) to see each finding once before merges happen.
-- Partitions are UTC days of `date` (the day of the finding's `time`); dedup happens within a
-- partition, and a finding id always has the same `time`, so its copies share a partition.
CREATE TABLE IF NOT EXISTS {db}.findings
(
    id                 String,
    time               DateTime('UTC'),
    date               Date,
    severity_id        UInt8,
    severity           {string_lc},
    detector           {string_lc},
    rule               {string_lc},
    title              String,
    message            String,
    entity_kind        {string_lc},
    entity_key         String,
    account_uid        {string_lc},
    region             {string_lc},
    provider           {string_lc},
    principal          String,
    operation          {string_lc},
    service            {string_lc},
    src_ip             String,
    count              UInt32,
    first_seen         DateTime('UTC'),
    last_seen          DateTime('UTC'),
    related_event_uids Array(String),
    attack_techniques  Array(String),
    finding_json       String,
    version            UInt64,
    ingested_at        DateTime('UTC')
--@if skip_indexes
    ,
    INDEX idx_time time TYPE minmax GRANULARITY 4,
    INDEX idx_entity_key entity_key TYPE bloom_filter(0.01) GRANULARITY 4
--@end
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMMDD(date)
ORDER BY id
--@if ttl
TTL date + toIntervalDay({retention_days})
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1
--@else
SETTINGS index_granularity = 8192
--@end
;
