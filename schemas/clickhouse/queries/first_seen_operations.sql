-- title: First-seen operations per principal
-- description: API operations (service and operation) a principal called for the first time in
--   the window, compared with the baseline before it: the classic "new behaviour" hunt. Reads the
--   api_activity event table (migration 002; filled when clickhouse.storeEvents is on).
-- param: days UInt32 = 1  window in days: operations first seen in it
-- param: baseline_days UInt32 = 30  history before the window, days
-- param: principal String = ''  one principal (actor uid), or '' for all
-- param: limit UInt32 = 200  rows
SELECT
    principal,
    account_uid,
    service,
    operation,
    min(time) AS first_seen,
    count() AS calls,
    countIf(status = 'Failure') AS failures,
    arraySlice(groupUniqArray(src_ip), 1, 5) AS src_ips
FROM sluice.api_activity
WHERE date >= today() - {baseline_days:UInt32} - {days:UInt32}
  AND principal != ''
  AND ({principal:String} = '' OR principal = {principal:String})
GROUP BY principal, account_uid, service, operation
HAVING first_seen >= now() - {days:UInt32} * 86400
ORDER BY first_seen DESC, principal, service, operation
LIMIT {limit:UInt32};
