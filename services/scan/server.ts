import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { RULE_SEVERITIES } from '../rules/index.ts';
import { postureRuleSet, scanFiles } from './evaluate.ts';
import { toSarif } from './format.ts';

/** Options of the scan HTTP server. */
export interface ScanServerOptions {
  /** Bearer token clients must send (`Authorization: Bearer <token>`); at least 16 characters. */
  token: string;
  /** Largest request body accepted, bytes (default 5 MiB); larger ones get 413. */
  bodyLimitBytes?: number;
  /** Rule packs (default ['@builtin/posture']). */
  packs?: string[];
}

/** Body of POST /v1/scan. File names are labels in the report: nothing is read from or written to disk. */
const ScanRequest = z.strictObject({
  files: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(512).refine((s) => !/[\u0000-\u001f]/.test(s), 'no control characters'),
        content: z.string().max(64 * 1024 * 1024),
      }),
    )
    .min(1)
    .max(1000),
  failOn: z.enum(RULE_SEVERITIES).default('high'),
  format: z.enum(['json', 'sarif']).default('json'),
});

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/**
 * A fastify instance serving `POST /v1/scan` (`{ files: [{ name, content }], failOn?, format? }`
 * → the JSON report, or SARIF with format "sarif"; the report's exit_code says clean (0),
 * violations (1) or parse errors (2), the HTTP status is 200 for all three). 401 without the
 * bearer token (compared in constant time over sha256 digests), 400 for a bad body, 413 over the
 * body limit. Also `GET /healthz`.
 */
export function buildScanServer(options: ScanServerOptions): FastifyInstance {
  if (typeof options.token !== 'string' || options.token.length < 16) throw new Error('buildScanServer: token must be at least 16 characters');
  const expected = digest(`Bearer ${options.token}`);
  const app = Fastify({ bodyLimit: options.bodyLimitBytes ?? 5 * 1024 * 1024, logger: false });
  const rules = postureRuleSet(options.packs ?? ['@builtin/posture']);

  app.get('/healthz', async () => ({ ok: true }));

  app.post('/v1/scan', async (req, reply) => {
    const auth = req.headers.authorization;
    if (typeof auth !== 'string' || !timingSafeEqual(digest(auth), expected)) {
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized' });
    }
    const parsed = ScanRequest.safeParse(req.body);
    if (!parsed.success) {
      return reply.code(400).send({ error: 'invalid request', issues: parsed.error.issues.slice(0, 20).map((i) => `${i.path.join('.') || 'body'}: ${i.message}`) });
    }
    const files = parsed.data.files.map((f) => ({ name: f.name, bytes: Buffer.from(f.content, 'utf8') }));
    const report = scanFiles(files, { failOn: parsed.data.failOn, rules });
    return reply.code(200).send(parsed.data.format === 'sarif' ? toSarif(report) : report);
  });
  return app;
}
