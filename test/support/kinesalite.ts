/**
 * kinesalite (npm), a local Kinesis server, run in the test process on a free loopback port, for the
 * Kinesis follow-role tests. It is driven through the real @aws-sdk/client-kinesis with an HTTP/1.1
 * handler (kinesalite does not speak HTTP/2, the Kinesis client's default) and dummy credentials.
 * Streams are created and resharded at once (createStreamMs/updateStreamMs 0).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

type Kinesalite = (options: Record<string, unknown>) => Server;

export interface KinesaliteServer {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  client: KinesisClient;
  /** Creates a stream and waits until it is ACTIVE. */
  createStream(name: string, shards: number): Promise<void>;
  /** PutRecords; fails the test if any record was refused. */
  put(stream: string, records: ReadonlyArray<{ data: Uint8Array; key: string }>): Promise<void>;
  close(): Promise<void>;
}

export async function startKinesalite(): Promise<KinesaliteServer> {
  const kinesalite = createRequire(import.meta.url)('kinesalite') as Kinesalite;
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new KinesisClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' }, requestHandler: new NodeHttpHandler() });
  return {
    endpoint,
    client,
    async createStream(name, shards) {
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
      for (let i = 0; i < 200; i++) {
        const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
        if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`kinesalite: stream ${name} did not become ACTIVE`);
    },
    async put(stream, records) {
      const res = await client.send(new PutRecordsCommand({ StreamName: stream, Records: records.map((r) => ({ Data: r.data, PartitionKey: r.key })) }));
      if ((res.FailedRecordCount ?? 0) > 0) throw new Error(`kinesalite: ${res.FailedRecordCount} record(s) refused`);
    },
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let logEventId = 1;

/** A CloudWatch Logs subscription DATA_MESSAGE carrying the given messages, gzip'd as Kinesis receives it. */
export function cloudWatchDataMessage(messages: readonly string[], logStream = '123456789012_CloudTrail_us-east-1'): Buffer {
  return gzipSync(
    JSON.stringify({
      messageType: 'DATA_MESSAGE',
      owner: '123456789012',
      logGroup: 'aws-cloudtrail-logs-123456789012',
      logStream,
      subscriptionFilters: ['cloudtrail-to-kinesis'],
      logEvents: messages.map((message) => ({ id: String(logEventId++), timestamp: 1600044263000, message })),
    }),
  );
}

/** The CONTROL_MESSAGE CloudWatch Logs sends when a subscription filter is created (AWS docs, "Subscription filters"). */
export const CLOUDWATCH_CONTROL_MESSAGE: Buffer = gzipSync(
  JSON.stringify({
    messageType: 'CONTROL_MESSAGE',
    owner: 'CloudwatchLogs',
    logGroup: '',
    logStream: '',
    subscriptionFilters: [],
    logEvents: [{ id: '', timestamp: 1600044263000, message: 'CWL CONTROL MESSAGE: Checking health of destination Kinesis stream.' }],
  }),
);
