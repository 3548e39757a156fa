/**
 * iam.deactivate_access_key: set an IAM user's access key to Inactive (reversible; never deleted).
 * An already inactive key is already_done; the key the remediator itself signs with is refused, so
 * the remediator cannot lock itself out.
 */
import { GetAccessKeyLastUsedCommand, ListAccessKeysCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { describeAwsError, type ExecutionContext, type Executor, type ExecutorOutcome } from './types.ts';

export interface AccessKeyTarget {
  /** The key's user; null when the action names only the key (a leaked key): found with GetAccessKeyLastUsed. */
  userName: string | null;
  accessKeyId: string;
}

export class IamDeactivateAccessKeyExecutor implements Executor<AccessKeyTarget> {
  plan(t: AccessKeyTarget): string[] {
    return [`${t.userName === null ? `GetAccessKeyLastUsed ${t.accessKeyId} (its user); then ` : ''}UpdateAccessKey ${t.accessKeyId} of user ${t.userName ?? '<its user>'} -> Inactive`];
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
      let userName = t.userName;
      if (userName === null) {
        // The key's owner in this account; a key of another account or an unknown key has none.
        const owner = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: t.accessKeyId })).catch((err: unknown) => {
          if (/NoSuchEntity|AccessDenied|InvalidClientTokenId/.test(describeAwsError(err))) return null;
          throw err;
        });
        if (!owner?.UserName) return { outcome: 'failed', reason: `access key ${t.accessKeyId} belongs to no IAM user of account ${ctx.account}`, steps };
        userName = owner.UserName;
        steps.push(`GetAccessKeyLastUsed ${t.accessKeyId}: user ${userName}`);
      }
      const keys = [];
      let marker: string | undefined;
      for (let page = 0; page < 10; page++) {
        const res = await iam.send(new ListAccessKeysCommand({ UserName: userName, Marker: marker }));
        keys.push(...(res.AccessKeyMetadata ?? []));
        if (!res.IsTruncated) break;
        marker = res.Marker;
      }
      const key = keys.find((k) => k.AccessKeyId === t.accessKeyId);
      if (!key) return { outcome: 'failed', reason: `user ${userName} has no access key ${t.accessKeyId}`, steps };
      if (key.Status === 'Inactive') return { outcome: 'already_done', reason: `access key ${t.accessKeyId} of user ${userName} is already inactive`, steps };
      await iam.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: t.accessKeyId, Status: 'Inactive' }));
      steps.push(`UpdateAccessKey ${t.accessKeyId} of user ${userName} -> Inactive`);
      return { outcome: 'done', reason: `deactivated access key ${t.accessKeyId} of user ${userName}`, steps };
    } catch (err) {
      return { outcome: 'failed', reason: describeAwsError(err), steps };
    }
  }
}
