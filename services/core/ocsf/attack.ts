/** MITRE ATT&CK Enterprise tactics (v15): uid and name, so either form in a rule gives both in OCSF. */
export const ATTACK_TACTICS: ReadonlyArray<readonly [string, string]> = [
  ['TA0043', 'Reconnaissance'],
  ['TA0042', 'Resource Development'],
  ['TA0001', 'Initial Access'],
  ['TA0002', 'Execution'],
  ['TA0003', 'Persistence'],
  ['TA0004', 'Privilege Escalation'],
  ['TA0005', 'Defense Evasion'],
  ['TA0006', 'Credential Access'],
  ['TA0007', 'Discovery'],
  ['TA0008', 'Lateral Movement'],
  ['TA0009', 'Collection'],
  ['TA0011', 'Command and Control'],
  ['TA0010', 'Exfiltration'],
  ['TA0040', 'Impact'],
];

const BY_UID = new Map(ATTACK_TACTICS.map(([uid, name]) => [uid, name]));
const BY_NAME = new Map(ATTACK_TACTICS.map(([uid, name]) => [name.toLowerCase(), uid]));

/** OCSF `tactic` from a uid (`TA0006`) or a name (`Credential Access`, any case). */
export function tacticObject(tactic: string): { uid?: string; name?: string } {
  const t = tactic.trim();
  if (/^TA\d{4}$/i.test(t)) {
    const uid = t.toUpperCase();
    const name = BY_UID.get(uid);
    return name ? { uid, name } : { uid };
  }
  const uid = BY_NAME.get(t.toLowerCase());
  return uid ? { uid, name: BY_UID.get(uid)! } : { name: t };
}

/**
 * OCSF `attack` from a technique uid and an optional tactic: `T1562.008` gives technique T1562
 * and sub_technique T1562.008; `version` is the ATT&CK release the tables above follow.
 */
export function attackObject(techniqueUid: string, tactic?: string): Record<string, unknown> {
  const dot = techniqueUid.indexOf('.');
  return {
    technique: { uid: dot > 0 ? techniqueUid.slice(0, dot) : techniqueUid },
    sub_technique: dot > 0 ? { uid: techniqueUid } : null,
    tactic: tactic ? tacticObject(tactic) : null,
    version: '15',
  };
}
