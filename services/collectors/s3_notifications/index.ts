/**
 * Follow mode of the aws_cloudtrail, aws_config and object_storage collectors: S3 object-created
 * notifications from SQS (directly from S3, through SNS, or CloudTrail's and Config's own SNS
 * notifications) -> the objects from S3 -> the collector -> Kafka, the message deleted only after
 * Kafka acknowledged. See README.md.
 */
export { S3NotificationsConfigSchema, sqsSection, SQS_MAX_MESSAGES, SQS_MAX_WAIT_SECONDS, SQS_MAX_VISIBILITY_SECONDS } from './config.ts';
export type { S3NotificationsConfig, S3NotificationsConfigInput } from './config.ts';
export { parseNotification, decodeS3Key } from './notification.ts';
export type { ParsedNotification, S3ObjectRef, NotificationForm } from './notification.ts';
export { SqsNotificationQueue } from './sqs-queue.ts';
export type { NotificationQueue, QueueMessage } from './sqs-queue.ts';
export { createS3Client, createSqsClient, regionOfQueueUrl, resolveRegion } from './clients.ts';
export { readObject, objectName, MissingObjectError } from './objects.ts';
export { VisibilityHeartbeat } from './heartbeat.ts';
export { S3NotificationFollower } from './follower.ts';
export type { FollowStats, FollowerDeps, FollowerHooks } from './follower.ts';

/** The collector types that can follow S3 notifications. */
export const FOLLOW_TYPES: readonly string[] = ['aws_cloudtrail', 'aws_config', 'object_storage'];
