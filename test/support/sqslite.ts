/**
 * sqslite (npm), a local SQS server, run in the test process on a free loopback port, for the
 * follow-mode collector tests. The tests drive it through the real @aws-sdk/client-sqs with the
 * Query protocol (sqslite predates SQS's JSON protocol; `sqs.sqsProtocol: query`).
 *
 * sqslite 2.1 leaves out two SQS behaviours the tests need, added here around its own functions
 * (patched before its request handlers load them), not replaced:
 * - visibility timeout expiry: in sqslite a received message stays invisible for ever; here a
 *   message received (or whose visibility was changed) and not deleted becomes visible again when
 *   its visibility timeout runs out, as on SQS; ChangeMessageVisibility restarts the timer;
 * - one receipt handle per message: sqslite gives every message of one receive the same handle,
 *   so deleting one would delete the whole batch; here each gets its own.
 * Long polling (WaitTimeSeconds) is not implemented by sqslite either: an empty receive returns at
 * once (the follower then waits sqs.emptyReceiveDelayMs).
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AwsQueryProtocol } from '@aws-sdk/core/protocols';

interface SqsliteMessage {
  MessageId: string;
  '@State': { isRead: boolean; ReceiptHandle?: string };
}
interface SqsliteQueue {
  Attributes: { VisibilityTimeout?: number | string };
  messages: SqsliteMessage[];
}
interface SqsliteModule {
  receiveMessage(params: { QueueUrl: string; VisibilityTimeout?: string | number }): Array<{ MessageId: string; ReceiptHandle: string }>;
  changeMessageVisibility(params: { QueueUrl: string; ReceiptHandle: string; VisibilityTimeout: string | number }): void;
  deleteMessage(params: { QueueUrl: string; ReceiptHandle: string }): void;
  getQueueState(queueUrl: string): SqsliteQueue | undefined;
}
interface FastifyApp {
  listen(options: { host: string; port: number }): Promise<string>;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);
/** Receipt handle -> when its message becomes visible again. */
const deadlines = new Map<string, { queueUrl: string; at: number }>();
let patched = false;

function patchSqslite(): void {
  if (patched) return;
  patched = true;
  const sqs = require('sqslite/lib/sqs.js') as SqsliteModule;
  const receive = sqs.receiveMessage;
  sqs.receiveMessage = (params) => {
    const out = receive(params);
    const queue = sqs.getQueueState(params.QueueUrl);
    const seconds = Number(params.VisibilityTimeout ?? queue?.Attributes.VisibilityTimeout ?? 30);
    for (const m of out) {
      const handle = randomUUID();
      const stored = queue?.messages.find((x) => x.MessageId === m.MessageId);
      if (stored) stored['@State'].ReceiptHandle = handle;
      m.ReceiptHandle = handle;
      deadlines.set(handle, { queueUrl: params.QueueUrl, at: Date.now() + seconds * 1000 });
    }
    return out;
  };
  const change = sqs.changeMessageVisibility;
  sqs.changeMessageVisibility = (params) => {
    change(params);
    const d = deadlines.get(params.ReceiptHandle);
    if (d) d.at = Date.now() + Number(params.VisibilityTimeout) * 1000;
    if (d && Number(params.VisibilityTimeout) === 0) expire(sqs, Date.now());
  };
  const del = sqs.deleteMessage;
  sqs.deleteMessage = (params) => {
    del(params);
    deadlines.delete(params.ReceiptHandle);
  };
  const sweep = setInterval(() => expire(sqs, Date.now()), 100);
  sweep.unref();
}

/** Messages whose visibility timeout ran out become visible again (0: at once, as SQS does). */
function expire(sqs: SqsliteModule, now: number): void {
  for (const [handle, d] of deadlines) {
    if (d.at > now) continue;
    deadlines.delete(handle);
    const m = sqs.getQueueState(d.queueUrl)?.messages.find((x) => x['@State'].ReceiptHandle === handle);
    if (m) m['@State'].isRead = false;
  }
}

export interface SqsliteServer {
  /** http://localhost:<port> (sqslite builds queue URLs from the Host header and only knows localhost). */
  endpoint: string;
  client: SQSClient;
  createQueue(name: string): Promise<string>;
  send(queueUrl: string, body: string): Promise<void>;
  close(): Promise<void>;
}

export async function startSqslite(): Promise<SqsliteServer> {
  patchSqslite();
  const sqslite = require('sqslite') as (opts: { logger: boolean }) => FastifyApp;
  const app = sqslite({ logger: false });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const endpoint = `http://localhost:${new URL(address).port}`;
  const client = new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    protocol: new AwsQueryProtocol({ defaultNamespace: 'com.amazonaws.sqs', xmlNamespace: 'http://queue.amazonaws.com/doc/2012-11-05/', version: '2012-11-05' }),
  });
  return {
    endpoint,
    client,
    async createQueue(name) {
      const res = await client.send(new CreateQueueCommand({ QueueName: name }));
      return res.QueueUrl!;
    },
    async send(queueUrl, body) {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    },
    async close() {
      client.destroy();
      await app.close();
    },
  };
}

/** Messages of a queue as sqslite holds them (inspection): total and how many are in flight. */
export function sqsliteQueueDepth(queueUrl: string): { total: number; inFlight: number } {
  const sqs = require('sqslite/lib/sqs.js') as SqsliteModule;
  const q = sqs.getQueueState(queueUrl);
  const messages = q?.messages ?? [];
  return { total: messages.length, inFlight: messages.filter((m) => m['@State'].isRead).length };
}
