/**
 * The TypeScript model of the CiliumNetworkPolicy (cilium.io/v2) subset flow_baseline writes, as a
 * small strict zod schema that buildPolicies checks every export against at run time (a guard
 * against a builder bug): EndpointSelector, fromEndpoints/toEndpoints, fromEntities/toEntities,
 * fromCIDR/toCIDR, toFQDNs matchName/matchPattern, toPorts PortProtocol {port: string, protocol
 * TCP|UDP|SCTP|ANY}, ICMPField {family IPv4|IPv6, type}, L7 DNS and HTTP rules. Objects are strict: a field
 * we do not write fails. Conformance to Cilium itself is proved in the tests, against the
 * openAPIV3Schema of Cilium's own CRD (test/fixtures/schemas/cilium, test/support/official-schemas).
 */
import { z } from 'zod';

const labelKey = z.string().min(1).max(317);
const labelValue = z.string().max(63);

/** EndpointSelector: matchLabels only (flow_baseline never writes matchExpressions). */
export const EndpointSelectorSchema = z.strictObject({ matchLabels: z.record(labelKey, labelValue) });

/** Entities Cilium defines for fromEntities/toEntities. */
export const CiliumEntity = z.enum(['host', 'remote-node', 'kube-apiserver', 'ingress', 'cluster', 'init', 'health', 'unmanaged', 'world', 'all']);

const cidr = z.string().regex(/^(?:\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-fA-F:]+\/\d{1,3}$/, 'a CIDR');

/** PortProtocol: the port is a string (a number or a named port); protocol TCP, UDP, SCTP or ANY. */
export const PortProtocolSchema = z.strictObject({
  port: z.string().regex(/^(?:[1-9]\d{0,4}|[a-z][a-z0-9-]{0,14})$/, 'a port number or name'),
  protocol: z.enum(['TCP', 'UDP', 'SCTP', 'ANY']),
});

/** PortRuleHTTP as written: a method regex (`^GET$`) and a path regex (l7.ts pathRegex), both RE2-compatible extended POSIX regexes. */
export const PortRuleHttpSchema = z.strictObject({
  method: z.string().regex(/^\^[A-Z]{1,16}\$$/, 'an anchored method').optional(),
  path: z.string().min(2).max(2048).regex(/^\^\/.*\$$/, 'an anchored path regex'),
});

/** PortRule: ports plus optional L7 rules: DNS (the DNS proxy's visibility) or HTTP (learned requests), never both. */
export const PortRuleSchema = z.strictObject({
  ports: z.array(PortProtocolSchema).min(1),
  rules: z
    .union([
      z.strictObject({ dns: z.array(z.strictObject({ matchPattern: z.string().min(1) })).min(1) }),
      z.strictObject({ http: z.array(PortRuleHttpSchema).min(1) }),
    ])
    .optional(),
});

/** ICMPRule: fields of family and type (0-255). */
export const IcmpRuleSchema = z.strictObject({
  fields: z.array(z.strictObject({ family: z.enum(['IPv4', 'IPv6']), type: z.number().int().min(0).max(255) })).min(1),
});

const fqdnSelector = z.union([
  z.strictObject({ matchName: z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'a DNS name') }),
  z.strictObject({ matchPattern: z.string().regex(/^[a-z0-9*.-]+$/, 'a DNS pattern') }),
]);

/** IngressRule: at most one kind of L3 peer per rule as written by flow_baseline; `{}` alone is default deny. */
export const IngressRuleSchema = z.strictObject({
  fromEndpoints: z.array(EndpointSelectorSchema).min(1).optional(),
  fromEntities: z.array(CiliumEntity).min(1).optional(),
  fromCIDR: z.array(cidr).min(1).optional(),
  toPorts: z.array(PortRuleSchema).min(1).optional(),
  icmps: z.array(IcmpRuleSchema).min(1).optional(),
});

/** EgressRule: toFQDNs may not be combined with another L3 selector in the same rule. */
export const EgressRuleSchema = z
  .strictObject({
    toEndpoints: z.array(EndpointSelectorSchema).min(1).optional(),
    toEntities: z.array(CiliumEntity).min(1).optional(),
    toCIDR: z.array(cidr).min(1).optional(),
    toFQDNs: z.array(fqdnSelector).min(1).optional(),
    toPorts: z.array(PortRuleSchema).min(1).optional(),
    icmps: z.array(IcmpRuleSchema).min(1).optional(),
  })
  .refine((r) => !r.toFQDNs || (!r.toEndpoints && !r.toEntities && !r.toCIDR), 'toFQDNs cannot be combined with other L3 rules');

const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/).max(63);
const dnsSubdomain = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/).max(253);

/** CiliumNetworkPolicy as written by flow_baseline. */
export const CiliumNetworkPolicySchema = z.strictObject({
  apiVersion: z.literal('cilium.io/v2'),
  kind: z.literal('CiliumNetworkPolicy'),
  metadata: z.strictObject({
    name: dnsSubdomain,
    namespace: dnsLabel,
    labels: z.record(labelKey, labelValue).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.strictObject({
    description: z.string().optional(),
    endpointSelector: EndpointSelectorSchema,
    ingress: z.array(IngressRuleSchema).optional(),
    egress: z.array(EgressRuleSchema).optional(),
  }),
});

export type CiliumNetworkPolicyObject = z.output<typeof CiliumNetworkPolicySchema>;
export type CiliumIngressRule = z.output<typeof IngressRuleSchema>;
export type CiliumEgressRule = z.output<typeof EgressRuleSchema>;
