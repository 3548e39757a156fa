/**
 * The AWS SDK v3 clients of one configured account: S3 and IAM in the account's region, EC2 per
 * region (security groups are regional). Created on first use and reused; destroy() closes them.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';

/** Static AWS credentials. */
export interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsClientOptions {
  region: string;
  /** Another endpoint for every API (moto, an S3-compatible store). */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Named profile of the shared AWS config; absent: the default credential chain. */
  profile?: string;
  /** Fixed credentials (tests); absent: the profile or the default credential chain. */
  credentials?: AwsCredentialIdentity;
  /** Attempts per API call, with the SDK's standard retry of throttling and 5xx (default 3). */
  maxAttempts?: number;
}

export class AwsClients {
  private s3Client: S3Client | undefined;
  private iamClient: IAMClient | undefined;
  private readonly ec2Clients = new Map<string, EC2Client>();

  constructor(readonly options: AwsClientOptions) {}

  private base(region: string): { region: string; endpoint?: string; profile?: string; credentials?: AwsCredentialIdentity; maxAttempts: number } {
    const o = this.options;
    return { region, maxAttempts: o.maxAttempts ?? 3, ...(o.endpoint ? { endpoint: o.endpoint } : {}), ...(o.profile ? { profile: o.profile } : {}), ...(o.credentials ? { credentials: o.credentials } : {}) };
  }

  s3(): S3Client {
    return (this.s3Client ??= new S3Client({ ...this.base(this.options.region), forcePathStyle: this.options.forcePathStyle ?? false }));
  }

  iam(): IAMClient {
    return (this.iamClient ??= new IAMClient(this.base(this.options.region)));
  }

  ec2(region: string = this.options.region): EC2Client {
    let c = this.ec2Clients.get(region);
    if (!c) this.ec2Clients.set(region, (c = new EC2Client(this.base(region))));
    return c;
  }

  destroy(): void {
    this.s3Client?.destroy();
    this.iamClient?.destroy();
    for (const c of this.ec2Clients.values()) c.destroy();
    this.s3Client = this.iamClient = undefined;
    this.ec2Clients.clear();
  }
}
