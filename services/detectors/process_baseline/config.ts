import { z } from 'zod';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** discover: learn binaries, never report new ones; monitor: report binaries outside the baseline. */
export const ProcessMode = z.enum(['discover', 'monitor']);
export type ProcessMode = z.output<typeof ProcessMode>;

const Names = (dflt: string[], what: string) =>
  z.array(z.string().min(1).max(255)).max(500).default(dflt).describe(what);

/** Shells (file names). A binary whose name ends in `.sh` or `.bash` (an entrypoint script run directly) counts as a shell too. */
export const DEFAULT_SHELLS = ['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh', 'pdksh', 'csh', 'tcsh', 'fish', 'rbash', 'yash'];
/** Network and reconnaissance tools (file names): download, relay, reverse-shell and scanning tools. */
export const DEFAULT_NETWORK_TOOLS = [
  'nc', 'ncat', 'netcat', 'nc.openbsd', 'nc.traditional', 'socat', 'curl', 'wget', 'telnet', 'ftp', 'tftp', 'nmap', 'masscan', 'zmap',
  'ssh', 'scp', 'sftp', 'rsync', 'nping', 'hping3', 'dig', 'nslookup', 'tcpdump', 'tshark', 'proxychains', 'chisel', 'frpc', 'ngrok',
];
/** Interpreters that run inline code with one of `inlineFlags` (`python -c`, `perl -e`, `node -e`): a one-liner reverse shell. */
export const DEFAULT_INTERPRETERS = ['python', 'python2', 'python3', 'perl', 'ruby', 'php', 'node', 'nodejs', 'lua', 'awk', 'gawk', 'busybox'];
/** Long-running server binaries (file names, a trailing version such as python3.11 or php-fpm8.2 is ignored). */
export const DEFAULT_SERVER_BINARIES = [
  'nginx', 'httpd', 'apache2', 'lighttpd', 'caddy', 'envoy', 'haproxy', 'traefik', 'php-fpm', 'gunicorn', 'uwsgi', 'uvicorn', 'hypercorn',
  'puma', 'unicorn', 'java', 'node', 'dotnet', 'tomcat', 'catalina.sh', 'redis-server', 'postgres', 'mysqld', 'mariadbd', 'mongod',
  'memcached', 'rabbitmq-server', 'beam.smp', 'kafka', 'elasticsearch', 'grafana-server', 'prometheus',
];
/** Container runtimes, shims and init processes: what starts a container's first process, never a server. */
export const DEFAULT_RUNTIME_BINARIES = [
  'containerd-shim', 'containerd-shim-runc-v1', 'containerd-shim-runc-v2', 'runc', 'crun', 'conmon', 'containerd', 'dockerd', 'docker-init',
  'tini', 'dumb-init', 'catatonit', 'pause', 's6-svscan', 's6-supervise', 'runsv', 'runsvdir', 'supervisord', 'kubelet', 'systemd', 'init',
];

/** One mode rule: an application rule beats a namespace rule, which beats `mode`. */
export const ProcessModeRule = z.strictObject({
  namespace: z.string().min(1).max(253).describe('Namespace the rule applies to.'),
  application: z.string().min(1).max(300).optional().describe('Application name (the `app/<name>` part of the key); absent: the whole namespace.'),
  cluster: z.string().min(1).max(253).optional().describe('Cluster the rule applies to; absent: every cluster.'),
  mode: ProcessMode.describe('Mode of the matching applications once their discovery ends.'),
});

/** Config of the process_baseline detector. Unknown keys are rejected. */
export const ProcessBaselineConfig = z.strictObject({
  enabled: z.boolean().default(false).describe('Run the process_baseline detector on the `process` stream (Tetragon process_exec/process_exit).'),
  mode: ProcessMode.default('monitor').describe(
    'Mode an application enters when its discovery ends, unless a `modes` rule says otherwise: `discover` keeps learning and never reports new binaries, `monitor` reports binaries outside the baseline. The server-spawn rules fire in every mode.',
  ),
  modes: z.array(ProcessModeRule).max(1000).default([]).describe('Per-namespace or per-application modes.'),
  discovery: z
    .strictObject({
      maxMs: z.number().int().min(0).default(DAY).describe("Discovery ends at the latest this long (event time) after the application's first process event."),
      stableMs: z.number().int().min(0).default(2 * HOUR).describe('Discovery ends earlier once no new binary was learned for this long (event time); 0 turns the stability rule off.'),
      minMs: z.number().int().min(0).default(30 * MINUTE).describe('The stability rule never ends discovery before this much event time has passed since it started.'),
    })
    .prefault({})
    .describe("When an application's learning phase ends (each application has its own; a new version inherits the application's baseline and phase)."),
  dedupWindowMs: z
    .number()
    .int()
    .min(0)
    .default(HOUR)
    .describe('A new binary, or one server/child pair of the spawn rules, is reported once per window; later executions only raise its count.'),
  sources: z
    .array(z.enum(['workload', 'host']))
    .min(1)
    .default(['workload'])
    .describe('Which processes are baselined: `workload` (in a pod, keyed by application), `host` (node processes, keyed `<cluster>/-/reserved/host`).'),
  spawn: z
    .strictObject({
      enabled: z.boolean().default(true).describe('Report a shell or a network tool spawned by a server process (rules shell_from_server and tool_from_server), in every mode.'),
      shells: Names(DEFAULT_SHELLS, 'Shell file names (busybox or toybox running one of them counts too; names ending in .sh or .bash are scripts and count as shells).'),
      networkTools: Names(DEFAULT_NETWORK_TOOLS, 'Network and reconnaissance tool file names.'),
      interpreters: Names(DEFAULT_INTERPRETERS, 'Interpreters reported when they run inline code (one of `inlineFlags` among their arguments).'),
      inlineFlags: Names(['-c', '-e', '-r', '--eval', '--command', '-E'], 'Arguments that make an interpreter run inline code.'),
      serverBinaries: Names(DEFAULT_SERVER_BINARIES, "Server file names: their children are judged. Besides these, the container's first process (pid 1 in the container) and binaries learned as an application's entrypoint are servers."),
      runtimeBinaries: Names(DEFAULT_RUNTIME_BINARIES, 'Container runtimes, shims and init processes: never servers; what they start is an entrypoint.'),
    })
    .prefault({})
    .describe('The behaviour rules: a shell or network tool whose parent is a long-running, non-shell server process.'),
  versions: z
    .strictObject({ max: z.number().int().min(2).max(30).default(8).describe('Versions remembered per application; the least recently seen is forgotten beyond this.') })
    .prefault({})
    .describe('Application versions: a new version inherits the baseline; each binary records which versions ran it.'),
  limits: z
    .strictObject({
      maxBinaries: z.number().int().min(1).max(100_000).default(512).describe('Baseline binaries per application (LRU).'),
      maxParents: z.number().int().min(1).max(64).default(8).describe('Parent binaries remembered per baseline binary.'),
      maxNovel: z.number().int().min(1).max(10_000).default(128).describe('Out-of-baseline binaries and spawn pairs kept for deduplication per application (LRU).'),
      maxEntrypoints: z.number().int().min(1).max(256).default(16).describe('Entrypoint binaries remembered per application.'),
      maxApplications: z.number().int().min(1).default(50_000).describe('Applications held per detector instance; beyond, the least recently seen are deleted down to 90%.'),
      idleTtlMs: z.number().int().min(0).default(14 * DAY).describe('Idle applications are deleted by the sweep; 0 never.'),
      sweepEveryEvents: z.number().int().min(0).default(50_000).describe('Events between sweeps inside process(); 0 never (maintain() still sweeps).'),
    })
    .prefault({})
    .describe('Bounds on the state.'),
});

export type ProcessBaselineSettings = Readonly<z.output<typeof ProcessBaselineConfig>>;
export type ProcessBaselineConfigInput = z.input<typeof ProcessBaselineConfig>;
