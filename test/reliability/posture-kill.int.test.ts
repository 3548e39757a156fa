/**
 * Effectively-once for posture across a kill -9 of the processor mid-stream (issue #23): a
 * resource's failing rules are its changelogged state and its findings and remediation actions are
 * transitions of it, so the restarted processor must give exactly the findings, states and action
 * ids of the detector run in-process. CloudFormation stacks (through the config_files collector)
 * change version by version: a security group whose SSH and RDP ingress open to the world and close
 * again on different rhythms (CIS AWS 5.2 / 5.3 rules failing and resolving), and a bucket.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigFile } from '../../services/collectors/config_files/index.ts';
import type { ConfigState } from '../../services/core/model/config-state.ts';
import { killAndCompare, type KeyedInput } from './detector-kill.ts';

const STACKS = 100;
const WAVES = 8;
const T0 = Date.UTC(2026, 2, 3);

function stack(r: number, w: number): string {
  const ssh = (r + w) % 3 === 0 ? '0.0.0.0/0' : '10.0.0.0/8';
  const rdp = (r + 2 * w) % 4 === 0 ? '0.0.0.0/0' : '10.1.0.0/16';
  return `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web ${r}
      SecurityGroupIngress:
        - { IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: ${ssh} }
        - { IpProtocol: tcp, FromPort: 3389, ToPort: 3389, CidrIp: ${rdp} }
  Data:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: posture-kill-${r}
      VersioningConfiguration: { Status: ${w % 2 === 0 ? 'Suspended' : 'Enabled'} }
`;
}

function waves(): KeyedInput[][] {
  return Array.from({ length: WAVES }, (_, w) =>
    Array.from({ length: STACKS }, (_, r) =>
      parseConfigFile(`stack-${r}.yaml`, Buffer.from(stack(r, w)), { time: T0 + w * 3_600_000 + r * 1000 }).flatMap((o) => {
        if (o.kind !== 'event') throw new Error(`stack ${r} rejected`);
        const event = o.event as ConfigState;
        return [{ stream: 'config' as const, key: event.resource.uid, event }];
      }),
    ).flat(),
  );
}

test('posture: kill -9 of the processor mid-stream, then a restart: the findings, failing-rule states and action ids of an undisturbed run', async () => {
  const r = await killAndCompare({ label: 'postkill', detector: 'posture', config: {}, waves: waves(), killInWave: 4, sideOutputs: ['actions'] });
  // Every stack's SSH rule fails and resolves several times over the eight versions.
  assert.ok(r.findings >= STACKS * 4, `findings: ${r.findings}`);
  assert.ok(r.sideOutputs > 0, 'remediation actions were emitted');
});
