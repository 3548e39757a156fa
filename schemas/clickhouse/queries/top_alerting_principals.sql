-- title: Top alerting principals
-- description: The principals (actor uid) with the most findings in the window, with how many
--   distinct rules fired, the worst severity, the accounts involved and when they last alerted.
-- param: days UInt32 = 7  look-back window in days
-- param: min_severity_id UInt8 = 1  only findings at or above this severity id (1 Informational .. 5 Critical)
-- param: limit UInt32 = 20  rows
SELECT
    principal,
    count() AS findings,
    uniqExact(rule) AS rules,
    max(severity_id) AS worst_severity_id,
    argMax(severity, severity_id) AS worst_severity,
    arraySlice(groupUniqArray(account_uid), 1, 10) AS accounts,
    max(time) AS last_alert
FROM sluice.findings FINAL
WHERE date >= today() - {days:UInt32}
  AND time >= now() - {days:UInt32} * 86400
  AND principal != ''
  AND severity_id >= {min_severity_id:UInt8}
GROUP BY principal
ORDER BY findings DESC, worst_severity_id DESC, principal
LIMIT {limit:UInt32};
