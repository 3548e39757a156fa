/**
 * What benign AWS principals do: operations per archetype (most frequent first), regions and
 * user agents. Operations are `service:EventName`, with service the eventSource without
 * `.amazonaws.com`.
 */

/** The kinds of benign principal the generator models. */
export type Archetype = 'developer' | 'admin' | 'analyst' | 'app' | 'ci' | 'batch' | 'scanner';

export const HUMAN_ARCHETYPES: readonly Archetype[] = ['developer', 'admin', 'analyst'];

/** Operations per archetype, most frequent first (drawn with Zipf weights by position). */
export const OPERATIONS: Readonly<Record<Archetype, readonly string[]>> = {
  developer: [
    'ec2:DescribeInstances', 's3:ListBuckets', 'logs:FilterLogEvents', 'lambda:ListFunctions20150331', 'sts:GetCallerIdentity',
    'cloudformation:DescribeStacks', 's3:GetObject', 'logs:DescribeLogGroups', 'lambda:GetFunction20150331v2', 'ec2:DescribeSecurityGroups',
    'ecr:DescribeRepositories', 'dynamodb:DescribeTable', 'cloudwatch:GetMetricData', 'ec2:DescribeVpcs', 's3:PutObject',
    'lambda:UpdateFunctionCode20150331v2', 'sqs:ListQueues', 'iam:GetRole', 'ssm:GetParameter', 'cloudformation:DescribeStackEvents',
    'ecs:DescribeServices', 'ecs:ListClusters', 'ec2:DescribeSubnets', 'kms:DescribeKey', 'sns:ListTopics',
  ],
  admin: [
    'ec2:DescribeInstances', 'iam:ListUsers', 'iam:ListRoles', 'iam:GetUser', 's3:ListBuckets', 'sts:GetCallerIdentity',
    'iam:ListAttachedRolePolicies', 'cloudtrail:DescribeTrails', 'iam:GetPolicy', 'iam:GetPolicyVersion', 'ec2:DescribeSecurityGroups',
    'kms:ListKeys', 'iam:ListAccessKeys', 'config:DescribeConfigRules', 'guardduty:ListDetectors', 'organizations:DescribeOrganization',
    'iam:CreateRole', 'iam:AttachRolePolicy', 'iam:CreatePolicy', 'ec2:AuthorizeSecurityGroupIngress', 'iam:CreateAccessKey',
    'iam:UpdateAccessKey', 'iam:DeleteAccessKey', 'kms:CreateKey', 'iam:PutRolePolicy', 's3:PutBucketPolicy', 'cloudtrail:GetTrailStatus',
    'iam:CreateUser', 'iam:AddUserToGroup', 'secretsmanager:ListSecrets',
  ],
  analyst: [
    'athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 's3:GetObject', 'glue:GetTable', 'glue:GetDatabases',
    's3:ListBuckets', 'glue:GetTables', 'athena:ListWorkGroups', 's3:PutObject', 'quicksight:DescribeDashboard', 'sts:GetCallerIdentity',
  ],
  app: [
    's3:GetObject', 's3:PutObject', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'sqs:ReceiveMessage', 'sqs:SendMessage',
    'sqs:DeleteMessage', 'kms:Decrypt', 'kms:GenerateDataKey', 'sns:Publish', 'secretsmanager:GetSecretValue', 'dynamodb:UpdateItem',
    's3:HeadObject', 'sts:AssumeRole',
  ],
  ci: [
    'cloudformation:DescribeStacks', 's3:PutObject', 'ecr:GetAuthorizationToken', 'ecr:PutImage', 'ecr:InitiateLayerUpload',
    'cloudformation:CreateChangeSet', 'cloudformation:DescribeChangeSet', 'cloudformation:ExecuteChangeSet', 'lambda:UpdateFunctionCode20150331v2',
    'ecs:UpdateService', 'ecs:RegisterTaskDefinition', 'iam:GetRole', 'sts:GetCallerIdentity', 's3:GetObject', 'ssm:GetParameter',
    'ecs:DescribeServices', 'cloudformation:DescribeStackEvents',
  ],
  batch: [
    's3:GetObject', 's3:PutObject', 's3:ListObjects', 'athena:StartQueryExecution', 'athena:GetQueryExecution', 'glue:StartJobRun',
    'glue:GetJobRun', 'dynamodb:BatchWriteItem', 'kms:Decrypt', 'sts:GetCallerIdentity',
  ],
  scanner: [
    'ec2:DescribeInstances', 'ec2:DescribeSecurityGroups', 'ec2:DescribeVolumes', 'ec2:DescribeSnapshots', 'ec2:DescribeImages',
    'ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeNetworkAcls', 'ec2:DescribeRouteTables', 'ec2:DescribeFlowLogs',
    'iam:ListUsers', 'iam:ListRoles', 'iam:ListPolicies', 'iam:GetAccountAuthorizationDetails', 'iam:GetAccountPasswordPolicy',
    'iam:ListAccessKeys', 'iam:GetCredentialReport', 'iam:ListMFADevices', 's3:ListBuckets', 's3:GetBucketPolicy', 's3:GetBucketAcl',
    's3:GetBucketEncryption', 's3:GetBucketLogging', 's3:GetBucketVersioning', 's3:GetBucketPublicAccessBlock', 'kms:ListKeys',
    'kms:GetKeyRotationStatus', 'kms:DescribeKey', 'cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors',
    'config:DescribeConfigurationRecorders', 'guardduty:ListDetectors', 'guardduty:GetDetector', 'rds:DescribeDBInstances',
    'rds:DescribeDBSnapshots', 'lambda:ListFunctions20150331', 'lambda:GetPolicy20150331v2', 'sns:ListTopics', 'sqs:ListQueues',
    'secretsmanager:ListSecrets', 'ecr:DescribeRepositories', 'eks:ListClusters', 'elasticloadbalancing:DescribeLoadBalancers',
    'cloudfront:ListDistributions', 'route53:ListHostedZones', 'logs:DescribeLogGroups', 'sts:GetCallerIdentity', 'organizations:DescribeOrganization',
    'acm:ListCertificates', 'apigateway:GetRestApis', 'dynamodb:ListTables', 'es:ListDomainNames', 'redshift:DescribeClusters',
    'ssm:DescribeParameters', 'backup:ListBackupPlans', 'waf:ListWebACLs', 'efs:DescribeFileSystems', 'elasticache:DescribeCacheClusters',
    'securityhub:GetFindings', 'access-analyzer:ListAnalyzers', 'config:DescribeConfigRules', 'cloudwatch:DescribeAlarms',
  ],
};

/** Read-only operations any principal may try once in a while (benign churn: "first use" of something ordinary). */
export const CHURN_OPERATIONS: readonly string[] = [
  'ec2:DescribeRegions', 'ec2:DescribeAvailabilityZones', 'ec2:DescribeTags', 'ec2:DescribeKeyPairs', 's3:GetBucketLocation',
  'logs:GetLogEvents', 'cloudwatch:ListMetrics', 'lambda:ListLayers', 'ecs:ListTasks', 'rds:DescribeDBInstances', 'route53:ListHostedZones',
  'sns:GetTopicAttributes', 'sqs:GetQueueAttributes', 'dynamodb:ListTables', 'cloudformation:ListStacks', 'ecr:ListImages',
  'elasticloadbalancing:DescribeTargetGroups', 'iam:ListRoles', 'iam:GetRolePolicy', 'kms:ListAliases', 'ssm:DescribeParameters',
  'events:ListRules', 'states:ListStateMachines', 'apigateway:GetRestApis', 'codebuild:ListProjects', 'codepipeline:ListPipelines',
];

/** AWS regions: accounts use one to three; the others are "never used" regions for the unusual-region attack. */
export const REGIONS: readonly string[] = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-central-1', 'eu-north-1', 'ap-southeast-1',
  'ap-southeast-2', 'ap-northeast-1', 'ap-south-1', 'sa-east-1', 'ca-central-1', 'af-south-1', 'me-south-1', 'ap-east-1', 'eu-south-1',
];

/** Benign user agents by family. */
export const USER_AGENTS = {
  console: 'AWS Internal',
  cli: 'aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1016-aws exe/x86_64.ubuntu.22 prompt/off command/s3.ls',
  cliMac: 'aws-cli/2.13.25 Python/3.11.6 Darwin/23.1.0 exe/x86_64 prompt/off command/ec2.describe-instances',
  boto3: 'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.210-201.852.amzn2.x86_64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69',
  terraform: 'APN/1.0 HashiCorp/1.0 Terraform/1.7.4 (+https://www.terraform.io) terraform-provider-aws/5.40.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.2',
  goSdk: 'aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/dynamodb#1.30.5',
  javaSdk: 'aws-sdk-java/2.25.11 Linux/5.10.210-201.852.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy',
  browser: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36',
  githubActions: 'aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1016-azure exe/x86_64.ubuntu.22 prompt/off command/cloudformation.deploy',
} as const;

/** User agents attackers show (families no benign principal in this model uses except boto3/aws-cli). */
export const ATTACKER_USER_AGENTS: readonly string[] = [
  'python-requests/2.31.0',
  'curl/8.4.0',
  'Go-http-client/1.1',
  'Boto3/1.26.0 Python/3.9.2 Linux/5.15.0-kali3-amd64 Botocore/1.29.0',
  'aws-cli/1.18.136 Python/3.8.5 Linux/5.4.0-1025-aws botocore/1.17.59',
];
