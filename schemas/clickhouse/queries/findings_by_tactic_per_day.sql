-- title: Findings by ATT&CK tactic per day
-- description: Distinct findings per UTC day and MITRE ATT&CK tactic (finding_info.attacks[].tactic
--   of the OCSF finding; a finding with two tactics counts once under each), with the techniques
--   seen. Findings without a tactic are left out.
-- param: days UInt32 = 30  look-back window in days
-- param: min_severity_id UInt8 = 1  only findings at or above this severity id
-- param: limit UInt32 = 1000  rows
SELECT
    date AS day,
    tactic,
    uniqExact(id) AS findings,
    uniqExact(principal) AS principals,
    arraySlice(groupUniqArrayArray(attack_techniques), 1, 10) AS techniques
FROM
(
    SELECT id, date, principal, attack_techniques,
           arrayJoin(extractAll(finding_json, '"tactic":\\{(?:"uid":"[^"]*",)?"name":"([^"]+)"')) AS tactic
    FROM sluice.findings FINAL
    WHERE date >= today() - {days:UInt32}
      AND severity_id >= {min_severity_id:UInt8}
      AND notEmpty(attack_techniques)
)
GROUP BY day, tactic
ORDER BY day DESC, findings DESC, tactic
LIMIT {limit:UInt32};
