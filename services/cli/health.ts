import { createServer, type Server } from 'node:http';
import type { Logger } from '../core/logger.ts';

/** /healthz (process alive) and /readyz (the role has started: sinks started, consumer joined) for long-running roles. */
export async function startHealthServer(port: number, ready: () => Promise<boolean>, logger: Logger): Promise<Server | undefined> {
  if (port === 0) return undefined;
  const server = createServer((req, res) => {
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (req.url === '/readyz') {
      ready().then(
        (ok) => res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'not ready\n'),
        () => res.writeHead(503, { 'content-type': 'text/plain' }).end('not ready\n'),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });
  logger.info({ port }, 'health endpoints listening');
  return server;
}
