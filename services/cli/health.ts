import { createServer, type Server } from 'node:http';
import { applyIdleTimeout, httpServerOptions, httpTimeouts, type HttpTimeouts } from '../core/http.ts';
import type { Logger } from '../core/logger.ts';

/**
 * /healthz (process alive) and /readyz (the role has started: sinks started, consumer joined) for
 * long-running roles. Request, headers, keep-alive and idle timeouts (core/http.ts) bound slow clients.
 */
export async function startHealthServer(
  port: number,
  ready: () => Promise<boolean>,
  logger: Logger,
  options: { host?: string; timeouts?: Partial<HttpTimeouts> } = {},
): Promise<Server | undefined> {
  if (port === 0) return undefined;
  const timeouts = httpTimeouts(options.timeouts);
  const server = createServer(httpServerOptions(timeouts), (req, res) => {
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
  applyIdleTimeout(server, timeouts);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (options.host) server.listen(port, options.host, resolve);
    else server.listen(port, resolve);
  });
  logger.info({ port }, 'health endpoints listening');
  return server;
}
