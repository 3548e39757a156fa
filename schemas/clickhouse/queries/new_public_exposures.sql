-- title: New public exposures
-- description: Resources that started failing a public-exposure posture rule in the window and
--   still fail it (the latest compliance result of the resource and rule is Fail), with no
--   failure of that rule on that resource in the baseline before the window. Rules are chosen by
--   a regular expression on the rule id.
-- param: days UInt32 = 1  window in days: exposures first seen in it
-- param: baseline_days UInt32 = 30  history looked at for earlier failures, days
-- param: rule_pattern String = 'public|open_to_world|open_to_internet|anonymous|ports_open|public_ip'  RE2 pattern on the rule id
-- param: limit UInt32 = 100  rows
SELECT
    entity_key AS resource,
    rule,
    argMax(f_title, version) AS title,
    argMax(f_severity, version) AS severity,
    argMax(f_account, version) AS account_uid,
    argMax(f_region, version) AS region,
    minIf(f_time, status = 'Fail') AS first_failed,
    max(f_time) AS last_seen
FROM
(
    -- Self-contained on purpose (a saved query runs alone): the compliance status is read as in open_posture_failures.sql.
    SELECT entity_key, rule, title AS f_title, severity AS f_severity, account_uid AS f_account, region AS f_region, time AS f_time, version,
           extract(finding_json, '"compliance":\\{[^{}]*"status":"([A-Za-z]+)"') AS status
    FROM sluice.findings FINAL
    WHERE date >= today() - {baseline_days:UInt32} - {days:UInt32}
      AND match(rule, {rule_pattern:String})
)
WHERE status != ''
GROUP BY entity_key, rule
HAVING argMax(status, version) = 'Fail'
   AND first_failed >= now() - {days:UInt32} * 86400
ORDER BY first_failed DESC, resource, rule
LIMIT {limit:UInt32};
