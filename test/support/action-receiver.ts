/**
 * A remediation webhook on 127.0.0.1 that records the action ids it receives (and the signature
 * header), answering 200. For tests only.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ActionReceiver {
  url: string;
  received: Array<{ id: string; signature: string | undefined }>;
  /** The ids received, in order. */
  ids(): string[];
  close(): void;
}

export async function startActionReceiver(path = '/act'): Promise<ActionReceiver> {
  const received: ActionReceiver['received'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ id: (JSON.parse(body) as { action: { id: string } }).action.id, signature: req.headers['x-sluice-signature'] as string | undefined });
      res.writeHead(200).end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    received,
    ids: () => received.map((r) => r.id),
    close: () => server.close(),
  };
}
