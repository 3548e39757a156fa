import type { ApiActivity } from '../../core/events.ts';
import type { PrincipalAnomalyConfig } from './config.ts';
import { addressFromBytes, cidrContains, parseCidr, type Cidr } from '../../core/net.ts';
import type { ActivityFeatures } from './features.ts';
import { GlobSet } from './glob.ts';

/** Config `allow`, compiled. */
export class AllowList {
  private readonly principals: GlobSet;
  private readonly operations: GlobSet;
  private readonly userAgents: GlobSet;
  private readonly cidrs: Cidr[];

  constructor(allow: PrincipalAnomalyConfig['allow']) {
    this.principals = new GlobSet(allow.principals);
    this.operations = new GlobSet(allow.operations);
    this.userAgents = new GlobSet(allow.userAgents);
    this.cidrs = allow.sourceCidrs.map((c) => parseCidr(c)).filter((c): c is Cidr => c !== null);
  }

  /** An allow-listed principal is never reported. */
  principal(key: string): boolean {
    return this.principals.size > 0 && this.principals.matches(key);
  }

  /** An event from an allow-listed network, operation or user agent is learned but not scored. */
  event(e: ApiActivity, f: ActivityFeatures): boolean {
    if (this.operations.size > 0 && this.operations.matches(f.op)) return true;
    if (this.userAgents.size > 0 && e.user_agent !== null && this.userAgents.matches(e.user_agent)) return true;
    if (this.cidrs.length > 0 && f.ipBytes !== null) {
      const addr = addressFromBytes(f.ipBytes);
      for (const c of this.cidrs) if (cidrContains(c, addr)) return true;
    }
    return false;
  }
}
