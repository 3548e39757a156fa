/**
 * What a process is, from its binary and arguments only (never a pid or an IP): a shell, a network
 * tool, an interpreter running inline code, a container runtime, a server. Pure functions over
 * the config lists.
 */
import type { ProcessEntity } from '../../core/model/process-event.ts';
import type { ProcessBaselineSettings } from './config.ts';

export type SpawnKind = 'shell' | 'network_tool' | 'inline_interpreter';

/** Why a parent counts as a server process. */
export type ServerReason = 'container_pid_1' | 'server_binary' | 'entrypoint';

/** File name without a trailing dotted version, lower case: `python3.11` -> `python`, `php-fpm8.2` -> `php-fpm`. */
export function baseName(name: string): string {
  return name.replace(/[.-]?\d+(?:\.\d+)+$/, '').toLowerCase();
}

/** The config lists as sets, built once per detector. */
export class Classifier {
  private readonly shells: ReadonlySet<string>;
  private readonly tools: ReadonlySet<string>;
  private readonly interpreters: ReadonlySet<string>;
  private readonly inlineFlags: ReadonlySet<string>;
  private readonly servers: ReadonlySet<string>;
  private readonly runtimes: ReadonlySet<string>;

  constructor(spawn: ProcessBaselineSettings['spawn']) {
    const set = (xs: readonly string[]): ReadonlySet<string> => new Set(xs.map((x) => x.toLowerCase()));
    this.shells = set(spawn.shells);
    this.tools = set(spawn.networkTools);
    this.interpreters = set(spawn.interpreters);
    this.inlineFlags = new Set(spawn.inlineFlags);
    this.servers = set(spawn.serverBinaries);
    this.runtimes = set(spawn.runtimeBinaries);
  }

  /** name -> [lower case, baseName]: binary names repeat, so each is normalized once (bounded). */
  private readonly names = new Map<string, readonly [string, string]>();

  private has(set: ReadonlySet<string>, name: string): boolean {
    let forms = this.names.get(name);
    if (forms === undefined) {
      const lower = name.toLowerCase();
      forms = [lower, baseName(lower)];
      if (this.names.size < 10_000) this.names.set(name, forms);
    }
    return set.has(forms[0]) || set.has(forms[1]);
  }

  /** The first word of the arguments (busybox/toybox applet), unquoted. */
  private static firstArg(p: ProcessEntity): string {
    const w = (p.args ?? '').trim().split(/\s+/)[0] ?? '';
    return w.replace(/^["']|["']$/g, '');
  }

  /** A shell: a configured name, a script (`*.sh`, `*.bash`), or busybox/toybox running a shell applet. */
  isShell(p: ProcessEntity): boolean {
    if (this.has(this.shells, p.name) || /\.(?:sh|bash)$/i.test(p.name)) return true;
    const n = p.name.toLowerCase();
    return (n === 'busybox' || n === 'toybox') && this.has(this.shells, Classifier.firstArg(p).split('/').pop() ?? '');
  }

  isRuntime(p: ProcessEntity): boolean {
    return this.has(this.runtimes, p.name);
  }

  /** What kind of spawn the process is for the server rules, or null (an ordinary binary). */
  spawnKind(p: ProcessEntity): SpawnKind | null {
    if (this.isShell(p)) return 'shell';
    const n = p.name.toLowerCase();
    if (this.has(this.tools, p.name)) return 'network_tool';
    if ((n === 'busybox' || n === 'toybox') && this.has(this.tools, Classifier.firstArg(p))) return 'network_tool';
    if (this.has(this.interpreters, p.name) && n !== 'busybox' && (p.args ?? '').split(/\s+/).some((a) => this.inlineFlags.has(a))) return 'inline_interpreter';
    return null;
  }

  /**
   * Why `parent` is a long-running server process, or null: never a shell or a runtime/init; the
   * container's first process (pid 1 in the container), a configured server binary, or a binary the
   * application was seen running as its entrypoint (`entrypoints`).
   */
  serverReason(parent: ProcessEntity | null, entrypoints: readonly string[]): ServerReason | null {
    if (!parent || this.isShell(parent) || this.isRuntime(parent)) return null;
    if (parent.container_pid === 1) return 'container_pid_1';
    if (this.has(this.servers, parent.name)) return 'server_binary';
    if (entrypoints.includes(parent.binary)) return 'entrypoint';
    return null;
  }

  /**
   * True when `p` is an application's entrypoint: pid 1 of its container, or started directly by
   * a runtime or init (when the source gives no container pid), and neither a shell nor a runtime.
   */
  isEntrypoint(p: ProcessEntity, parent: ProcessEntity | null): boolean {
    if (this.isShell(p) || this.isRuntime(p)) return false;
    if (p.container_pid !== null) return p.container_pid === 1 || (parent !== null && this.isRuntime(parent));
    return parent !== null && this.isRuntime(parent);
  }
}
