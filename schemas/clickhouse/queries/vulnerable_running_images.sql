-- title: Vulnerable running images
-- description: Container images with open vulnerability findings (OCSF Vulnerability Finding 2002
--   from the vulns detector, whose latest copy is not Resolved) that a Kubernetes or ECS workload
--   in config_state references (by repository or digest) in the window. Empty until the vulns
--   detector has written findings; running_only = 0 lists every vulnerable image. The image
--   references are read from the configuration text (`"image": "repo:tag"`, also JSON-escaped).
-- param: days UInt32 = 30  look-back window for findings and workloads, days
-- param: running_only UInt8 = 1  1: only images a workload in config_state references; 0: all
-- param: min_severity_id UInt8 = 3  only vulnerabilities at or above this severity id (3 Medium)
-- param: limit UInt32 = 100  rows
SELECT
    image,
    image_uid,
    count() AS open_vulnerabilities,
    countIf(sev >= 5) AS critical,
    countIf(sev = 4) AS high,
    max(sev) AS worst_severity_id,
    arraySlice(groupUniqArray(vulnerability), 1, 10) AS vulnerabilities,
    arraySlice(groupUniqArray(package), 1, 10) AS packages
FROM
(
    SELECT
        id,
        argMax(severity_id, version) AS sev,
        argMax(finding_json, version) AS j,
        extract(j, '"resources":\\[\\{"uid":"([^"]*)"') AS image_uid,
        extract(j, '"resources":\\[\\{[^{}]*"name":"([^"]*)"') AS image,
        extract(j, '"(?:cve|advisory)":\\{"uid":"([^"]+)"') AS vulnerability,
        extract(j, '"affected_packages":\\[\\{"name":"([^"]*)"') AS package
    FROM sluice.findings
    WHERE date >= today() - {days:UInt32}
      AND detector = 'vulns'
    GROUP BY id
    HAVING visitParamExtractUInt(j, 'status_id') != 4
)
WHERE sev >= {min_severity_id:UInt8}
  AND (
        {running_only:UInt8} = 0
        OR image IN
        (
            SELECT replaceRegexpOne(replaceRegexpOne(ref, '@.*$', ''), ':[^:/]*$', '')
            FROM (SELECT arrayJoin(extractAll(event_json, '\\\\?"image\\\\?":\\s*\\\\?"([^"\\\\]+)')) AS ref FROM sluice.config_state WHERE date >= today() - {days:UInt32})
        )
        OR image_uid IN
        (
            SELECT extract(ref, '@(sha256:[0-9a-f]+)')
            FROM (SELECT arrayJoin(extractAll(event_json, '\\\\?"image\\\\?":\\s*\\\\?"([^"\\\\]+)')) AS ref FROM sluice.config_state WHERE date >= today() - {days:UInt32})
        )
      )
GROUP BY image, image_uid
ORDER BY worst_severity_id DESC, open_vulnerabilities DESC, image
LIMIT {limit:UInt32};
