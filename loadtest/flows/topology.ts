/**
 * The microservice topology the flow generator simulates: services (with replicas, pod lifetimes,
 * ports and images), the benign edges between them with their rates, and external endpoints.
 * `shopTopology()` is a realistic online shop; `scaledTopology()` a wide synthetic one for benches.
 */

/** A workload of the simulated cluster. */
export interface ServiceSpec {
  /** `<namespace>/<name>` */
  id: string;
  namespace: string;
  name: string;
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'CronJob';
  replicas: number;
  /** Pod lifetime range (ms): a pod is replaced (new name, new IP) when it ends. */
  lifetimeMs: [number, number];
  /** CronJob: a run every `everyMs`, its pods live `lifetimeMs`. */
  everyMs?: number;
  /** Port the kubelet probes (from the host), or null. */
  probePort: number | null;
  /** Port Prometheus scrapes, or null. */
  metricsPort: number | null;
  /** Ports it serves (for scans to find open ones). */
  ports: number[];
  labels: Record<string, string>;
  /** Event time the workload is deployed (absent: from the start). */
  activeFrom?: number;
}

/** An external endpoint: an FQDN (null when unknown) on IPs from some /24 prefixes. */
export interface ExternalSpec {
  id: string;
  fqdn: string | null;
  /** `a.b.c` prefixes of its /24s. */
  prefixes: string[];
  /** Probability the flow carries the FQDN (Cilium's DNS cache knew it). */
  fqdnProbability: number;
}

/** A benign edge: `client` connects to `server`:port at `ratePerSec` (per client pod for `perPod`). */
export interface EdgeSpec {
  client: string;
  /** A service id, or `ext:<external id>`. */
  server: string;
  port: number;
  proto: 'TCP' | 'UDP';
  ratePerSec: number;
  /** Rate is per client pod (DNS), not per service. */
  perPod?: boolean;
  /** Event time the edge starts being used (absent: from the start). */
  activeFrom?: number;
}

/** The whole simulated cluster. */
export interface Topology {
  cluster: string;
  services: ServiceSpec[];
  externals: ExternalSpec[];
  edges: EdgeSpec[];
  /** Rate of connections from the internet to the ingress gateway (per second). */
  worldIngress: { service: string; port: number; ratePerSec: number } | null;
  /** Prometheus scrape interval (ms), by `prometheus` service id; null: no scrapes. */
  scrape: { service: string; everyMs: number } | null;
  /** Kubelet probe interval (ms). */
  probeEveryMs: number;
  dns: { service: string; port: number; ratePerPodPerSec: number } | null;
}

const MIN = 60_000;
const HOUR = 60 * MIN;

function svc(namespace: string, name: string, o: Partial<Omit<ServiceSpec, 'id' | 'namespace' | 'name'>> = {}): ServiceSpec {
  return {
    id: `${namespace}/${name}`,
    namespace,
    name,
    kind: o.kind ?? 'Deployment',
    replicas: o.replicas ?? 2,
    lifetimeMs: o.lifetimeMs ?? [20 * MIN, 3 * HOUR],
    ...(o.everyMs === undefined ? {} : { everyMs: o.everyMs }),
    probePort: o.probePort === undefined ? 8080 : o.probePort,
    metricsPort: o.metricsPort === undefined ? 15090 : o.metricsPort,
    ports: o.ports ?? [8080],
    labels: o.labels ?? { app: name, 'app.kubernetes.io/part-of': namespace },
  };
}

/**
 * An online shop: an ingress gateway, a frontend, catalog/cart/checkout/payments/orders,
 * short-lived workers (pods live seconds), a CronJob, Kafka, Redis, Postgres, CoreDNS,
 * Prometheus, kubelet probes and a few external APIs, including rarely used edges.
 */
export function shopTopology(): Topology {
  const services: ServiceSpec[] = [
    svc('istio-system', 'istio-ingressgateway', { replicas: 2, ports: [8443], probePort: 15021 }),
    svc('istio-system', 'prometheus', { replicas: 1, ports: [9090], metricsPort: null }),
    svc('kube-system', 'coredns', { replicas: 2, ports: [53], probePort: 8181, metricsPort: 9153, labels: { 'k8s-app': 'kube-dns' } }),
    svc('shop', 'frontend', { replicas: 3 }),
    svc('shop', 'catalog', { replicas: 2 }),
    svc('shop', 'cart', { replicas: 2 }),
    svc('shop', 'checkout', { replicas: 2 }),
    svc('shop', 'payments', { replicas: 2, ports: [8443] }),
    svc('shop', 'recommendations', { replicas: 2 }),
    svc('shop', 'email', { replicas: 1 }),
    svc('shop', 'feature-flags', { replicas: 1 }),
    svc('shop', 'fraud', { replicas: 1 }),
    svc('shop', 'worker', { replicas: 4, lifetimeMs: [5_000, 60_000], probePort: null, ports: [] }),
    svc('shop', 'report', { kind: 'CronJob', replicas: 1, everyMs: 30 * MIN, lifetimeMs: [20_000, 40_000], probePort: null, metricsPort: null, ports: [] }),
    svc('data', 'kafka', { kind: 'StatefulSet', replicas: 3, ports: [9092, 9093], lifetimeMs: [6 * HOUR, 48 * HOUR] }),
    svc('data', 'redis', { kind: 'StatefulSet', replicas: 1, ports: [6379], probePort: 6379, lifetimeMs: [6 * HOUR, 48 * HOUR] }),
    svc('data', 'catalog-db', { kind: 'StatefulSet', replicas: 1, ports: [5432], probePort: 5432, lifetimeMs: [6 * HOUR, 48 * HOUR] }),
    svc('data', 'orders-db', { kind: 'StatefulSet', replicas: 1, ports: [5432], probePort: 5432, lifetimeMs: [6 * HOUR, 48 * HOUR] }),
    svc('data', 'payments-db', { kind: 'StatefulSet', replicas: 1, ports: [5432], probePort: 5432, lifetimeMs: [6 * HOUR, 48 * HOUR] }),
  ];
  const externals: ExternalSpec[] = [
    { id: 'stripe', fqdn: 'api.stripe.com', prefixes: ['54.187.174', '54.187.216'], fqdnProbability: 0.97 },
    { id: 'sendgrid', fqdn: 'smtp.sendgrid.net', prefixes: ['167.89.118'], fqdnProbability: 0.97 },
    { id: 's3', fqdn: 'shop-assets.s3.amazonaws.com', prefixes: ['52.216.8', '52.216.20', '3.5.16', '3.5.17'], fqdnProbability: 0.98 },
    { id: 'reports', fqdn: 'reports.partner.example', prefixes: ['93.184.215'], fqdnProbability: 1 },
  ];
  const e = (client: string, server: string, port: number, ratePerSec: number, proto: 'TCP' | 'UDP' = 'TCP'): EdgeSpec => ({ client, server, port, proto, ratePerSec });
  // The call graph as data, deliberately literal: one e() row per edge, alike by nature.
  const edges: EdgeSpec[] = [
    e('istio-system/istio-ingressgateway', 'shop/frontend', 8080, 3),
    e('shop/frontend', 'shop/catalog', 8080, 2),
    e('shop/frontend', 'shop/cart', 8080, 1),
    e('shop/frontend', 'shop/checkout', 8080, 0.3),
    e('shop/frontend', 'shop/recommendations', 8080, 1),
    e('shop/frontend', 'data/redis', 6379, 1.5),
    e('shop/frontend', 'shop/feature-flags', 8080, 1 / (15 * 60)),
    e('shop/catalog', 'data/catalog-db', 5432, 1.5),
    e('shop/catalog', 'data/redis', 6379, 1),
    e('shop/cart', 'data/redis', 6379, 1),
    e('shop/checkout', 'shop/cart', 8080, 0.3),
    e('shop/checkout', 'shop/payments', 8443, 0.3),
    e('shop/checkout', 'data/orders-db', 5432, 0.3),
    e('shop/checkout', 'data/kafka', 9092, 0.3),
    e('shop/checkout', 'shop/fraud', 8080, 1 / (20 * 60)),
    e('shop/payments', 'ext:stripe', 443, 0.3),
    e('shop/payments', 'data/payments-db', 5432, 0.3),
    e('shop/recommendations', 'shop/catalog', 8080, 0.5),
    e('shop/email', 'data/kafka', 9092, 0.2),
    e('shop/email', 'ext:sendgrid', 587, 0.05),
    e('shop/worker', 'data/kafka', 9092, 0.6),
    e('shop/worker', 'data/orders-db', 5432, 0.3),
    e('shop/worker', 'ext:s3', 443, 0.2),
    e('shop/report', 'data/orders-db', 5432, 0.5),
    e('shop/report', 'ext:reports', 443, 0.2),
    e('data/kafka', 'data/kafka', 9093, 0.5),
  ];
  return {
    cluster: 'loadtest',
    services,
    externals,
    edges,
    worldIngress: { service: 'istio-system/istio-ingressgateway', port: 8443, ratePerSec: 3 },
    scrape: { service: 'istio-system/prometheus', everyMs: 30_000 },
    probeEveryMs: 20_000,
    dns: { service: 'kube-system/coredns', port: 53, ratePerPodPerSec: 0.05 },
  };
}

/**
 * A wide synthetic topology for benchmarks: `services` Deployments in `namespaces` namespaces,
 * each calling `fanout` others and one of a few external APIs; many edges per thread.
 */
export function scaledTopology(o: { services: number; fanout: number; namespaces?: number; seed?: number; cluster?: string }): Topology {
  const ns = o.namespaces ?? Math.max(1, Math.round(o.services / 25));
  let x = o.seed ?? 7;
  const rnd = (): number => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const services: ServiceSpec[] = [svc('kube-system', 'coredns', { replicas: 2, ports: [53], labels: { 'k8s-app': 'kube-dns' } })];
  for (let i = 0; i < o.services; i++) services.push(svc(`ns-${i % ns}`, `svc-${i}`, { replicas: 2, ports: [8080, 9000 + (i % 50)] }));
  const externals: ExternalSpec[] = Array.from({ length: 20 }, (_, i) => ({ id: `api${i}`, fqdn: `api${i}.vendor.example`, prefixes: [`52.${i}.1`, `52.${i}.2`], fqdnProbability: 0.9 }));
  const edges: EdgeSpec[] = [];
  for (let i = 0; i < o.services; i++) {
    const client = services[i + 1]!.id;
    for (let k = 0; k < o.fanout; k++) {
      const j = Math.floor(rnd() * o.services);
      edges.push({ client, server: services[j + 1]!.id, port: k % 2 ? 8080 : 9000 + (j % 50), proto: 'TCP', ratePerSec: 0.2 });
    }
    edges.push({ client, server: `ext:api${i % 20}`, port: 443, proto: 'TCP', ratePerSec: 0.05 });
  }
  return {
    cluster: o.cluster ?? 'bench',
    services,
    externals,
    edges,
    worldIngress: null,
    scrape: null,
    probeEveryMs: 60_000,
    dns: { service: 'kube-system/coredns', port: 53, ratePerPodPerSec: 0.02 },
  };
}
