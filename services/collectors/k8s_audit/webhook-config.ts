/**
 * The audit webhook server's settings: `collectors.k8s_audit.webhook` (the `--follow webhook` role)
 * and the options of startK8sAuditWebhook. See webhook.ts and the README's "Webhook role".
 */
import { z } from 'zod';
import { SECRET } from '../../core/secrets.ts';

/** Configuration of the audit webhook server. Unknown keys are rejected. */
export const K8sAuditWebhookConfigSchema = z.strictObject({
  host: z.string().min(1).default('0.0.0.0').describe('Address to listen on.').meta({ examples: ['0.0.0.0', '127.0.0.1'] }),
  port: z.number().int().min(0).max(65535).default(8443).describe('TCP port; 0 picks a free one.').meta({ examples: [8443] }),
  path: z
    .string()
    .regex(/^\/[^\s?#]*$/, 'must start with "/" and hold no query')
    .default('/v1/k8s-audit')
    .describe('URL path the API server posts EventLists to.')
    .meta({ examples: ['/v1/k8s-audit'] }),
  tokens: z
    .array(z.string().min(16, 'a token must be at least 16 characters').meta(SECRET))
    .default([])
    .describe(
      'Accepted bearer tokens (Authorization: Bearer <token>), compared in constant time. Several allow rotation. ' +
        'Put the same token in the webhook kubeconfig (users[].user.token). At least one of tokens, tokensFile or tls.clientCaFile is required.',
    )
    .meta({ examples: [['s3cr3t-token-0123456789abcdef']] }),
  tokensFile: z
    .string()
    .min(1)
    .optional()
    .describe('File of accepted bearer tokens, one per line (blank lines and # comments ignored), added to tokens: a mounted Kubernetes Secret.')
    .meta({ examples: ['/etc/sluice/webhook/tokens'] }),
  bodyLimitBytes: z
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024)
    .describe('Largest request body; larger ones get 413. Keep it above the API server batch size (--audit-webhook-batch-max-size × event size).')
    .meta({ examples: [10485760] }),
  tls: z
    .strictObject({
      certFile: z.string().min(1).describe('PEM certificate (chain) file.'),
      keyFile: z.string().min(1).describe('PEM private key file.'),
      clientCaFile: z
        .string()
        .min(1)
        .optional()
        .describe(
          'Mutual TLS: PEM CA bundle client certificates must chain to (the kubeconfig users[].user.client-certificate). Without tokens a client certificate is required; ' +
            'with tokens either a verified client certificate or a valid token is enough.',
        )
        .meta({ examples: ['/etc/sluice/tls/client-ca.crt'] }),
    })
    .nullable()
    .default(null)
    .describe('Serve HTTPS with this certificate; null serves plain HTTP (tests, or behind a TLS-terminating proxy). Production expects TLS.')
    .meta({ examples: [{ certFile: '/etc/sluice/tls/tls.crt', keyFile: '/etc/sluice/tls/tls.key' }] }),
  maxInFlightRequests: z
    .number()
    .int()
    .min(1)
    .default(8)
    .describe(
      'Requests being read or published at once; beyond, a request is answered 503 with Retry-After before its body is read (backpressure when Kafka is slow: the API server retries the batch).',
    ),
  publishTimeoutMs: z
    .number()
    .int()
    .min(100)
    .default(10_000)
    .describe('A request whose events Kafka has not acknowledged within this time is answered 503 with Retry-After (its events may still arrive; they keep their ids, so the retry is idempotent downstream).'),
  retryAfterSeconds: z.number().int().min(1).max(600).default(5).describe('Retry-After of a 503 (overloaded or publish failed or slow).'),
  shutdownGraceMs: z
    .number()
    .int()
    .min(0)
    .default(30_000)
    .describe('The `--follow webhook` role on SIGTERM: new requests get 503; the requests in hand get this long to be published and answered before the role exits anyway.'),
}).superRefine((c, ctx) => {
  if (c.tokens.length === 0 && !c.tokensFile && !c.tls?.clientCaFile) {
    ctx.addIssue({ code: 'custom', path: ['tokens'], message: 'the webhook must authenticate its callers: set tokens, tokensFile or tls.clientCaFile (mutual TLS)' });
  }
});

export type K8sAuditWebhookConfig = Readonly<z.output<typeof K8sAuditWebhookConfigSchema>>;
export type K8sAuditWebhookConfigInput = z.input<typeof K8sAuditWebhookConfigSchema>;

