-- title: Open posture failures per account and benchmark
-- description: Compliance findings whose latest result per (resource, rule) is Fail, counted per
--   cloud account and benchmark (OCSF compliance.standards, e.g. "CIS AWS Foundations 3.0.0"; a
--   rule in two benchmarks counts under both, a rule in none under "(none)").
-- param: days UInt32 = 30  look-back window in days (a failure last evaluated before it is left out)
-- param: min_severity_id UInt8 = 1  only failures at or above this severity id
-- param: limit UInt32 = 500  rows
SELECT
    account AS account_uid,
    arrayJoin(if(empty(standards), ['(none)'], standards)) AS benchmark,
    count() AS open_failures,
    uniqExact(resource) AS resources,
    uniqExact(rule) AS rules,
    max(sev) AS worst_severity_id,
    countIf(sev >= 4) AS high_or_critical
FROM
(
    SELECT
        entity_key AS resource,
        rule,
        argMax(account_uid, version) AS account,
        argMax(severity_id, version) AS sev,
        argMax(status, version) AS latest_status,
        extractAll(argMax(standards_json, version), '"([^"]+)"') AS standards
    FROM
    (
        -- Self-contained on purpose (a saved query runs alone): the compliance status is read as in new_public_exposures.sql.
        SELECT entity_key, rule, account_uid, severity_id, version,
               extract(finding_json, '"compliance":\\{[^{}]*"status":"([A-Za-z]+)"') AS status,
               extract(finding_json, '"compliance":\\{"status_id":[0-9]+,"status":"[A-Za-z]+"(?:,"status_detail":"(?:[^"\\\\]|\\\\.)*")?,"control":"(?:[^"\\\\]|\\\\.)*","standards":\\[([^\\]]*)\\]') AS standards_json
        FROM sluice.findings FINAL
        WHERE date >= today() - {days:UInt32}
    )
    WHERE status != ''
    GROUP BY entity_key, rule
    HAVING latest_status = 'Fail' AND sev >= {min_severity_id:UInt8}
)
GROUP BY account, benchmark
ORDER BY open_failures DESC, account, benchmark
LIMIT {limit:UInt32};
