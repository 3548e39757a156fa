import type { Pending } from './state.ts';

/** How a finding names the principal: "role", "user", "service account"... from actor.user.type. */
export function principalNoun(type: string | null): string {
  switch ((type ?? '').toLowerCase()) {
    case 'assumedrole':
    case 'role':
    case 'federateduser':
      return 'role';
    case 'iamuser':
    case 'user':
      return 'user';
    case 'root':
      return 'root user';
    case 'serviceaccount':
      return 'service account';
    case 'serviceprincipal':
      return 'service principal';
    case 'awsservice':
      return 'service';
    default:
      return 'principal';
  }
}

/** "hourly" for 60 minutes, "daily" for 1440, else "per-N-minute". */
export function windowLabel(windowMinutes: number): string {
  if (windowMinutes === 60) return 'hourly';
  if (windowMinutes === 1440) return 'daily';
  return `per-${windowMinutes}-minute`;
}

const formatRatio = (k: number): string => (k >= 10 ? String(Math.round(k)) : String(Math.round(k * 10) / 10));

/**
 * One deviation as a phrase: "first use of iam:CreateAccessKey by this role", "first call from
 * region ap-south-1", "14x its hourly volume (700 events vs about 50)".
 */
export function explain(p: Pending, noun: string, windowMinutes: number): string {
  const again = p.k > 0 ? ` in ${p.k} days` : '';
  const inAccount = p.b === 0 ? ` (${p.x})` : '';
  switch (p.f) {
    case 'operation':
      return `first use of ${p.o} by this ${noun}${again}${inAccount}`;
    case 'service':
      return `first call to service ${p.o}${again}${inAccount}`;
    case 'region':
      return `first call from region ${p.o}${again}${inAccount}`;
    case 'network':
      return `first call from network ${p.o}${again}${inAccount}`;
    case 'user_agent':
      return `first use of user agent ${p.o}${again}${inAccount}`;
    case 'hour':
      return `active at an unusual hour (${p.o}; ${p.x})`;
    case 'volume':
      return p.b === 1
        ? `${formatRatio(p.k)}x its ${windowLabel(windowMinutes)} volume (${p.o} vs ${p.x})`
        : `${formatRatio(p.k)}x the ${windowLabel(windowMinutes)} volume of its account's principals (${p.o} vs ${p.x})`;
    case 'errors':
      return `${p.o} in the window (expected ${p.x}), on ${p.a}`;
    case 'dormant':
      return `first activity after ${p.k} days dormant`;
    case 'concurrent':
      return `used from ${p.o} ${p.k} min after a call from ${p.x}`;
  }
}
