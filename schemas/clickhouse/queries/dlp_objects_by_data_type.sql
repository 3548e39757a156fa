-- title: DLP objects by data type
-- description: Objects (bucket and path) in which the dlp detector found each data type
--   (OCSF data_security.detection_pattern, e.g. aws_access_key, credit_card) in the window, with
--   the data category, the buckets and a few example objects. Object-level verdicts are left out.
-- param: days UInt32 = 30  look-back window in days
-- param: limit UInt32 = 200  rows
SELECT
    data_type,
    any(data_category) AS category,
    uniqExact(object) AS objects,
    count() AS findings,
    uniqExact(bucket) AS buckets,
    max(severity_id) AS worst_severity_id,
    arraySlice(groupUniqArray(object), 1, 5) AS example_objects,
    max(found) AS last_found
FROM
(
    SELECT time AS found, severity_id,
           extract(finding_json, '"detection_pattern":"([^"]*)"') AS data_type,
           extract(finding_json, '"data_security":\\{[^{}]*"category":"([^"]*)"') AS data_category,
           extract(finding_json, '"databucket":\\{"name":"([^"]*)"') AS bucket,
           concat(bucket, '/', extract(finding_json, '"file":\\{[^{}]*"path":"([^"]*)"')) AS object
    FROM sluice.findings FINAL
    WHERE date >= today() - {days:UInt32}
      AND time >= now() - {days:UInt32} * 86400
      AND detector = 'dlp'
)
WHERE data_type != '' AND data_type != 'object_verdict'
GROUP BY data_type
ORDER BY objects DESC, data_type
LIMIT {limit:UInt32};
