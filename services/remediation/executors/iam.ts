/**
 * iam.deactivate_access_key: set an IAM user's access key to Inactive (reversible; never deleted).
 * An already inactive key is already_done; the key the remediator itself signs with is refused, so
 * the remediator cannot lock itself out.
 */
import { ListAccessKeysCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { describeAwsError, type ExecutionContext, type Executor, type ExecutorOutcome } from './types.ts';

export interface AccessKeyTarget {
  userName: string;
  accessKeyId: string;
}

export class IamDeactivateAccessKeyExecutor implements Executor<AccessKeyTarget> {
  plan(t: AccessKeyTarget): string[] {
    return [`UpdateAccessKey ${t.accessKeyId} of user ${t.userName} -> Inactive`];
  }

  async run(t: AccessKeyTarget, ctx: ExecutionContext): Promise<ExecutorOutcome> {
    const iam = ctx.clients.iam();
    const steps: string[] = [];
    try {
      const own = await iam.config.credentials().then(
        (c) => c.accessKeyId,
        () => null,
      );
      if (own === t.accessKeyId) return { outcome: 'refused', reason: `access key ${t.accessKeyId} is the one the remediator signs with: not deactivated`, steps };
      const keys = [];
      let marker: string | undefined;
      for (let page = 0; page < 10; page++) {
        const res = await iam.send(new ListAccessKeysCommand({ UserName: t.userName, Marker: marker }));
        keys.push(...(res.AccessKeyMetadata ?? []));
        if (!res.IsTruncated) break;
        marker = res.Marker;
      }
      const key = keys.find((k) => k.AccessKeyId === t.accessKeyId);
      if (!key) return { outcome: 'failed', reason: `user ${t.userName} has no access key ${t.accessKeyId}`, steps };
      if (key.Status === 'Inactive') return { outcome: 'already_done', reason: `access key ${t.accessKeyId} of user ${t.userName} is already inactive`, steps };
      await iam.send(new UpdateAccessKeyCommand({ UserName: t.userName, AccessKeyId: t.accessKeyId, Status: 'Inactive' }));
      steps.push(`UpdateAccessKey ${t.accessKeyId} of user ${t.userName} -> Inactive`);
      return { outcome: 'done', reason: `deactivated access key ${t.accessKeyId} of user ${t.userName}`, steps };
    } catch (err) {
      return { outcome: 'failed', reason: describeAwsError(err), steps };
    }
  }
}
