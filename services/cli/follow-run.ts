/**
 * Runs the follow role of `sluice collector <type> --follow [source]` and returns its summary line
 * (printed on stderr when the role stops). One branch per live source (follow-sources.ts).
 */
import type { FollowFlags } from './collector-follow.ts';
import type { KinesisFollowFlags } from './follow-kinesis.ts';
import type { PubSubFollowFlags } from './follow-pubsub.ts';
import type { FollowSource } from './follow-sources.ts';
import type { AppContext } from './wiring.ts';

export type FollowRunFlags = FollowFlags & KinesisFollowFlags & PubSubFollowFlags;

export async function runFollow(ctx: AppContext, type: string, source: FollowSource, flags: FollowRunFlags): Promise<string> {
  switch (source) {
    case 'sqs': {
      const { renderFollowCounts, runCollectorFollowRole } = await import('./collector-follow.ts');
      return renderFollowCounts(await runCollectorFollowRole(ctx, type, flags));
    }
    case 'kinesis': {
      const { renderKinesisCounts, runKinesisFollowRole } = await import('./follow-kinesis.ts');
      return renderKinesisCounts(await runKinesisFollowRole(ctx, flags));
    }
    case 'webhook': {
      const { renderWebhookCounts, runWebhookFollowRole } = await import('./follow-webhook.ts');
      return renderWebhookCounts(await runWebhookFollowRole(ctx));
    }
    case 'eventhubs': {
      const { renderEventHubsCounts, runEventHubsFollowRole } = await import('./follow-eventhubs.ts');
      return renderEventHubsCounts(await runEventHubsFollowRole(ctx));
    }
    case 'pubsub': {
      const { renderPubSubCounts, runPubSubFollowRole } = await import('./follow-pubsub.ts');
      return renderPubSubCounts(await runPubSubFollowRole(ctx, flags));
    }
    case 'azure-blob': {
      const { renderAzureBlobCounts, runAzureBlobFollowRole } = await import('./follow-azure-blob.ts');
      return renderAzureBlobCounts(await runAzureBlobFollowRole(ctx));
    }
    case 'gcs': {
      const { renderGcsCounts, runGcsFollowRole } = await import('./follow-gcs.ts');
      return renderGcsCounts(await runGcsFollowRole(ctx));
    }
    case 'iam': {
      const { renderIamCounts, runIamFollowRole } = await import('./follow-iam.ts');
      return renderIamCounts(await runIamFollowRole(ctx));
    }
    case 'rescan': {
      const { renderRescanCounts, runRescanFollowRole } = await import('./follow-rescan.ts');
      return renderRescanCounts(await runRescanFollowRole(ctx));
    }
  }
}
