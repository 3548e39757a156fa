/**
 * How a template resource and a live AWS Config item are known to be the same resource: only by
 * identifiers both sides really carry, never by guessing.
 *
 * - CloudFormation: AWS Config records the tags CloudFormation puts on what it creates,
 *   `aws:cloudformation:logical-id` and `aws:cloudformation:stack-name`.
 * - Terraform (and CloudFormation resources that set their physical name): the resource type's
 *   name argument, when it is a literal; it is the name AWS Config records (`resourceName`, or the
 *   configuration field named below). Arguments from the Terraform AWS provider documentation and
 *   the CloudFormation resource reference; configuration fields from AWS Config's resource schema
 *   (awslabs/aws-config-resource-schema) and recorded items.
 */
import type { ConfigState } from '../../core/model/config-state.ts';

/** The static name of one template resource type and where AWS Config records it. */
export interface NameIdentifier {
  /** The AWS Config resource type of the live item. */
  liveType: string;
  /** The template argument holding the physical name (`bucket`, `name`, `BucketName`…). */
  argument: string;
  /** The configuration field of the live item holding the name; absent: the item's `resourceName`. */
  liveField?: string;
  /** Terraform / CloudFormation argument that narrows the name's scope (a security group's VPC). */
  scopeArgument?: string;
  /** The live configuration field the scope argument is compared with. */
  liveScopeField?: string;
  /** A Terraform resource that configures another one (`aws_s3_bucket_public_access_block` → its bucket). */
  companionOf?: { type: string; attributes: readonly string[] };
}

/** Terraform resource types → their name argument (Terraform AWS provider docs, "Argument Reference"). */
export const TERRAFORM_NAMES: Readonly<Record<string, NameIdentifier>> = {
  aws_s3_bucket: { liveType: 'AWS::S3::Bucket', argument: 'bucket' },
  // The companion resources of AWS provider 4+ name their bucket: `bucket = aws_s3_bucket.b.id` is resolved to b's literal name.
  aws_s3_bucket_public_access_block: { liveType: 'AWS::S3::Bucket', argument: 'bucket', companionOf: { type: 'aws_s3_bucket', attributes: ['id', 'bucket'] } },
  aws_security_group: { liveType: 'AWS::EC2::SecurityGroup', argument: 'name', liveField: 'groupName', scopeArgument: 'vpc_id', liveScopeField: 'vpcId' },
  aws_iam_role: { liveType: 'AWS::IAM::Role', argument: 'name', liveField: 'roleName' },
  aws_iam_user: { liveType: 'AWS::IAM::User', argument: 'name', liveField: 'userName' },
  aws_iam_group: { liveType: 'AWS::IAM::Group', argument: 'name', liveField: 'groupName' },
  aws_iam_policy: { liveType: 'AWS::IAM::Policy', argument: 'name', liveField: 'policyName' },
  aws_db_instance: { liveType: 'AWS::RDS::DBInstance', argument: 'identifier', liveField: 'dBInstanceIdentifier' },
  aws_cloudtrail: { liveType: 'AWS::CloudTrail::Trail', argument: 'name' },
  aws_sqs_queue: { liveType: 'AWS::SQS::Queue', argument: 'name' },
  aws_sns_topic: { liveType: 'AWS::SNS::Topic', argument: 'name' },
  aws_dynamodb_table: { liveType: 'AWS::DynamoDB::Table', argument: 'name' },
  aws_ecr_repository: { liveType: 'AWS::ECR::Repository', argument: 'name' },
  aws_eks_cluster: { liveType: 'AWS::EKS::Cluster', argument: 'name' },
  aws_lambda_function: { liveType: 'AWS::Lambda::Function', argument: 'function_name' },
  aws_redshift_cluster: { liveType: 'AWS::Redshift::Cluster', argument: 'cluster_identifier' },
};

/** CloudFormation resource types → their physical-name property (CloudFormation resource reference). */
export const CLOUDFORMATION_NAMES: Readonly<Record<string, NameIdentifier>> = {
  'AWS::S3::Bucket': { liveType: 'AWS::S3::Bucket', argument: 'BucketName' },
  'AWS::EC2::SecurityGroup': { liveType: 'AWS::EC2::SecurityGroup', argument: 'GroupName', liveField: 'groupName', scopeArgument: 'VpcId', liveScopeField: 'vpcId' },
  'AWS::IAM::Role': { liveType: 'AWS::IAM::Role', argument: 'RoleName', liveField: 'roleName' },
  'AWS::IAM::User': { liveType: 'AWS::IAM::User', argument: 'UserName', liveField: 'userName' },
  'AWS::IAM::Group': { liveType: 'AWS::IAM::Group', argument: 'GroupName', liveField: 'groupName' },
  'AWS::IAM::ManagedPolicy': { liveType: 'AWS::IAM::Policy', argument: 'ManagedPolicyName', liveField: 'policyName' },
  'AWS::RDS::DBInstance': { liveType: 'AWS::RDS::DBInstance', argument: 'DBInstanceIdentifier', liveField: 'dBInstanceIdentifier' },
  'AWS::CloudTrail::Trail': { liveType: 'AWS::CloudTrail::Trail', argument: 'TrailName' },
  'AWS::SQS::Queue': { liveType: 'AWS::SQS::Queue', argument: 'QueueName' },
  'AWS::SNS::Topic': { liveType: 'AWS::SNS::Topic', argument: 'TopicName' },
  'AWS::DynamoDB::Table': { liveType: 'AWS::DynamoDB::Table', argument: 'TableName' },
  'AWS::ECR::Repository': { liveType: 'AWS::ECR::Repository', argument: 'RepositoryName' },
  'AWS::EKS::Cluster': { liveType: 'AWS::EKS::Cluster', argument: 'Name' },
  'AWS::Lambda::Function': { liveType: 'AWS::Lambda::Function', argument: 'FunctionName' },
  'AWS::Redshift::Cluster': { liveType: 'AWS::Redshift::Cluster', argument: 'ClusterIdentifier' },
};

/** Terraform resource types whose live counterpart has no name Terraform sets: not matchable, and why. */
export const TERRAFORM_UNNAMED: Readonly<Record<string, string>> = {
  aws_kms_key: 'a KMS key has no name argument (its aliases are separate resources and AWS Config records no alias on the key item)',
  aws_ebs_volume: 'an EBS volume has no name argument (only an AWS-assigned id)',
  aws_instance: 'an EC2 instance has no name argument (only an AWS-assigned id)',
  aws_security_group_rule: 'a rule of a security group is not an AWS Config item of its own',
  aws_vpc_security_group_ingress_rule: 'a rule of a security group is not an AWS Config item of its own',
};

export const CFN_LOGICAL_ID_TAG = 'aws:cloudformation:logical-id';
export const CFN_STACK_NAME_TAG = 'aws:cloudformation:stack-name';

/** The value of a tag of a ConfigState, or null. */
export function tagOf(e: ConfigState, key: string): string | null {
  return e.resource.tags.find((t) => t.key === key)?.value ?? null;
}

/** The name AWS Config records for a live item under an identifier: the configuration field, else resourceName. */
export function liveName(e: ConfigState, id: NameIdentifier, configuration: Record<string, unknown>): string | null {
  const field = id.liveField ? configuration[id.liveField] : undefined;
  if (typeof field === 'string' && field !== '') return field;
  return e.resource.name;
}
