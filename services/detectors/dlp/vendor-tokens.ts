/**
 * Vendor API tokens with a documented, recognisable shape: a fixed prefix (or marker) followed by a
 * random part of a known alphabet and length. Each entry is taken from the vendor's own
 * documentation or announcement of its token format (prefix, alphabet, length, checksum where one
 * exists); they all report as data type `api_token`, the vendor as subtype.
 *
 * The random part must look random (validateTokenBody): two character classes or hex, enough
 * entropy, no long runs of one character; sequences (`123456`, `abcdef`) and the words of
 * placeholders (example, fake, dummy, sample, xxxx...) make it a test value.
 */
import type { SeverityName } from '../../core/events.ts';
import type { CatalogDef } from './catalog.ts';
import type { Trigger, Validation } from './types.ts';
import { charClasses, shannonEntropy } from './validators.ts';

export interface TokenFormat {
  /** Subtype of the finding, e.g. `openai`. */
  vendor: string;
  /** Prefilter anchors (case-insensitive); the pattern is tried at anchor + shift. */
  anchors: readonly string[];
  /** Where the token starts relative to an anchor (negative when the anchor is inside the token at a fixed place). */
  shift?: number;
  /** The anchor is inside the token at a variable place: tokens starting up to this many characters before it are tried. */
  lookBack?: number;
  /** The whole token, anchored at its start (group `value` may narrow it). Boundaries are added. */
  body: string;
  /** Characters at the start that are not secret (kept in the masked form). */
  publicPrefix?: string;
  /** Default High; Low for identifiers that are published by design (client ids, publishable keys). */
  severity?: SeverityName;
  /** Least Shannon entropy (bits per character) of the random part; default 3. */
  minEntropy?: number;
  /** Longest token. */
  maxLength: number;
  /** The format itself holds runs of one character (e.g. zero bytes in base64): runs do not reject it. */
  allowRuns?: boolean;
  /** A checksum the whole token must pass (e.g. bech32). */
  check?: (token: string) => boolean;
  /** The pattern is case-insensitive. */
  caseInsensitive?: boolean;
}

/**
 * Formats, by vendor. Sources: each vendor's API documentation or its token-format announcement
 * (prefixes such as `sk-ant-`, `gsk_`, `hf_`, `dop_v1_`, `glsa_`, `hvs.`, `npm_`, `pypi-`...).
 */
// A data table, deliberately literal: one row per token format, alike by nature (not logic to factor).
export const TOKEN_FORMATS: readonly TokenFormat[] = [
  // AI platforms
  { vendor: 'anthropic', anchors: ['sk-ant-'], body: 'sk-ant-(?:api|admin|sid|oat|ort)\\d{2}-[A-Za-z0-9_\\-]{80,120}', publicPrefix: 'sk-ant-', maxLength: 140 },
  { vendor: 'openai', anchors: ['T3BlbkFJ'], lookBack: 90, body: 'sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_\\-]{16,80}T3BlbkFJ[A-Za-z0-9_\\-]{16,80}', publicPrefix: 'sk-', maxLength: 200 },
  { vendor: 'openai', anchors: ['sk-proj-', 'sk-svcacct-', 'sk-admin-'], body: 'sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\\-]{40,200}', publicPrefix: 'sk-', maxLength: 220, minEntropy: 4 },
  { vendor: 'deepseek', anchors: ['sk-'], body: 'sk-[0-9a-f]{32}', publicPrefix: 'sk-', maxLength: 35 },
  { vendor: 'groq', anchors: ['gsk_'], body: 'gsk_[A-Za-z0-9]{52}', publicPrefix: 'gsk_', maxLength: 56 },
  { vendor: 'huggingface', anchors: ['hf_'], body: 'hf_[A-Za-z0-9]{34}', publicPrefix: 'hf_', maxLength: 37 },
  { vendor: 'huggingface', anchors: ['api_org_'], body: 'api_org_[A-Za-z0-9]{34}', publicPrefix: 'api_org_', maxLength: 42 },
  { vendor: 'xai', anchors: ['xai-'], body: 'xai-[A-Za-z0-9]{70,90}', publicPrefix: 'xai-', maxLength: 94 },
  { vendor: 'perplexity', anchors: ['pplx-'], body: 'pplx-[A-Za-z0-9]{48}', publicPrefix: 'pplx-', maxLength: 53 },
  { vendor: 'tavily', anchors: ['tvly-'], body: 'tvly-(?:dev-|prod-)?[A-Za-z0-9]{32}', publicPrefix: 'tvly-', maxLength: 42 },
  { vendor: 'together', anchors: ['tgp_v1_'], body: 'tgp_v1_[A-Za-z0-9_\\-]{43}', publicPrefix: 'tgp_v1_', maxLength: 50 },
  { vendor: 'llamacloud', anchors: ['llx-'], body: 'llx-[A-Za-z0-9_\\-]{48}', publicPrefix: 'llx-', maxLength: 52 },
  // Cloud and hosting
  { vendor: 'aws_mws', anchors: ['amzn.mws.'], body: 'amzn\\.mws\\.[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}', publicPrefix: 'amzn.mws.', maxLength: 45 },
  { vendor: 'alibaba', anchors: ['LTAI'], body: 'LTAI[A-Za-z0-9]{12,20}', publicPrefix: 'LTAI', maxLength: 24 },
  { vendor: 'azure_ad_client_secret', anchors: ['Q~'], shift: -4, body: '[A-Za-z0-9_~.\\-]{3}\\dQ~[A-Za-z0-9_~.\\-]{31,34}', maxLength: 40 },
  { vendor: 'digitalocean', anchors: ['dop_v1_', 'doo_v1_', 'dor_v1_'], body: 'do[opr]_v1_[a-f0-9]{64}', publicPrefix: 'do', maxLength: 71 },
  { vendor: 'heroku', anchors: ['HRKU-'], body: 'HRKU-[A-Za-z0-9_\\-]{36,64}', publicPrefix: 'HRKU-', maxLength: 69 },
  { vendor: 'netlify', anchors: ['nfp_', 'nfc_', 'nfo_', 'nfu_'], body: 'nf[pcou]_[A-Za-z0-9]{36,40}', publicPrefix: 'nf', maxLength: 44 },
  { vendor: 'vercel', anchors: ['vcp_', 'vci_', 'vca_', 'vcr_', 'vck_'], body: 'vc[pcarki]_[A-Za-z0-9]{40,70}', publicPrefix: 'vc', maxLength: 74 },
  { vendor: 'cloudflare', anchors: ['cfat_', 'cfut_', 'cfk_'], body: 'cf(?:at|ut|k)_[A-Za-z0-9]{40,60}', publicPrefix: 'cf', maxLength: 66 },
  { vendor: 'supabase', anchors: ['sbp_', 'sb_secret_'], body: 'sbp_(?:v0_)?[a-f0-9]{40}|sb_secret_[A-Za-z0-9_\\-]{31,64}', publicPrefix: 'sb', maxLength: 74 },
  { vendor: 'planetscale', anchors: ['pscale_'], body: 'pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.\\-]{32,64}', publicPrefix: 'pscale_', maxLength: 80 },
  { vendor: 'databricks', anchors: ['dapi'], body: 'dapi[a-f0-9]{32}(?:-\\d)?', publicPrefix: 'dapi', maxLength: 38 },
  { vendor: 'doppler', anchors: ['dp.pt.', 'dp.st.', 'dp.sa.', 'dp.ct.', 'dp.scim.', 'dp.audit.'], body: 'dp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9]{40,44}', publicPrefix: 'dp.', maxLength: 54 },
  { vendor: 'hashicorp_terraform', anchors: ['.atlasv1.'], shift: -14, body: '[A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_=\\-]{60,70}', maxLength: 100 },
  { vendor: 'hashicorp_vault', anchors: ['hvs.', 'hvb.', 'hvr.'], body: 'hv[sbr]\\.[A-Za-z0-9_\\-]{90,200}', publicPrefix: 'hv', maxLength: 210 },
  { vendor: 'akamai', anchors: ['akab-'], body: 'akab-[a-z0-9]{16}-[a-z0-9]{16}(?!\\.[a-z])', publicPrefix: 'akab-', maxLength: 38 },
  { vendor: 'defined_networking', anchors: ['dnkey-'], body: 'dnkey-[A-Z0-9=_\\-]{26}-[A-Z0-9=_\\-]{52}', publicPrefix: 'dnkey-', maxLength: 86 },
  { vendor: 'wundergraph', anchors: ['cosmo_'], body: 'cosmo_[a-f0-9]{32}', publicPrefix: 'cosmo_', maxLength: 38 },
  { vendor: 'google_api_key', anchors: ['AIza'], body: 'AIza[0-9A-Za-z_\\-]{35}', publicPrefix: 'AIza', maxLength: 39 },
  { vendor: 'google_oauth_client_secret', anchors: ['GOCSPX-'], body: 'GOCSPX-[A-Za-z0-9_\\-]{28}', publicPrefix: 'GOCSPX-', maxLength: 35 },
  { vendor: 'google_oauth_access_token', anchors: ['ya29.'], body: 'ya29\\.[A-Za-z0-9_\\-]{30,2000}', publicPrefix: 'ya29.', maxLength: 2010 },
  { vendor: 'google_oauth_refresh_token', anchors: ['1//0'], body: '1//0[A-Za-z0-9_\\-]{40,512}', publicPrefix: '1//0', maxLength: 520 },
  { vendor: 'google_oauth_client_id', anchors: ['.apps.googleusercontent.com'], lookBack: 48, body: '\\d{6,14}-[a-z0-9]{32}\\.apps\\.googleusercontent\\.com', severity: 'Low', maxLength: 80 },
  // Developer platforms and registries
  { vendor: 'npm', anchors: ['npm_'], body: 'npm_[A-Za-z0-9]{36}', publicPrefix: 'npm_', maxLength: 40 },
  { vendor: 'pypi', anchors: ['pypi-AgEIcHlwaS5vcmc', 'pypi-AgENdGVzdC5weXBpLm9yZw'], body: 'pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_\\-]{50,1000}', publicPrefix: 'pypi-AgE', maxLength: 1030 },
  { vendor: 'rubygems', anchors: ['rubygems_'], body: 'rubygems_[a-f0-9]{48}', publicPrefix: 'rubygems_', maxLength: 57 },
  { vendor: 'nuget', anchors: ['oy2'], body: 'oy2[a-z0-9]{43}', publicPrefix: 'oy2', maxLength: 46 },
  { vendor: 'clojars', anchors: ['CLOJARS_'], body: 'CLOJARS_[a-z0-9]{60}', publicPrefix: 'CLOJARS_', maxLength: 68 },
  { vendor: 'docker', anchors: ['dckr_pat_', 'dckr_oat_'], body: 'dckr_(?:pat|oat)_[A-Za-z0-9_\\-]{27,40}', publicPrefix: 'dckr_', maxLength: 49 },
  { vendor: 'docker_swarm', anchors: ['SWMTKN-1-'], body: 'SWMTKN-1-[a-z0-9]{50}-[a-z0-9]{25}', publicPrefix: 'SWMTKN-1-', maxLength: 85 },
  { vendor: 'docker_swarm', anchors: ['SWMKEY-1-'], body: 'SWMKEY-1-[A-Za-z0-9+/]{43}', publicPrefix: 'SWMKEY-1-', maxLength: 52 },
  { vendor: 'jfrog', anchors: ['AKCp'], body: 'AKCp[A-Za-z0-9]{69}', publicPrefix: 'AKCp', maxLength: 73 },
  { vendor: 'jfrog', anchors: ['cmVmdGtuOjAxOj'], body: 'cmVmdGtuOjAxOj[A-Za-z0-9]{50}', publicPrefix: 'cmVmdGtu', maxLength: 64 },
  { vendor: 'atlassian', anchors: ['ATATT3'], body: 'ATATT3[A-Za-z0-9_\\-=]{150,250}', publicPrefix: 'ATATT3', maxLength: 256 },
  { vendor: 'bitbucket', anchors: ['ATBB'], body: 'ATBB[A-Za-z0-9_=.\\-]{32}', publicPrefix: 'ATBB', maxLength: 36 },
  { vendor: 'bitbucket', anchors: ['ATCTT3'], body: 'ATCTT3[A-Za-z0-9_\\-=]{150,250}', publicPrefix: 'ATCTT3', maxLength: 256 },
  { vendor: 'bitbucket', anchors: ['BBDC-'], body: 'BBDC-[A-Za-z0-9+/@_\\-]{44}', publicPrefix: 'BBDC-', maxLength: 49 },
  { vendor: 'linear', anchors: ['lin_api_', 'lin_oauth_'], body: 'lin_(?:api|oauth)_[A-Za-z0-9]{40}', publicPrefix: 'lin_', maxLength: 50 },
  { vendor: 'figma', anchors: ['figd_'], body: 'figd_[A-Za-z0-9_\\-]{40}', publicPrefix: 'figd_', maxLength: 45 },
  { vendor: 'notion', anchors: ['ntn_'], body: 'ntn_[A-Za-z0-9]{46}', publicPrefix: 'ntn_', maxLength: 50 },
  { vendor: 'notion', anchors: ['secret_'], body: 'secret_[A-Za-z0-9]{43}', publicPrefix: 'secret_', maxLength: 50, minEntropy: 4 },
  { vendor: 'postman', anchors: ['PMAK-'], body: 'PMAK-[a-f0-9]{24}-[a-f0-9]{34}', publicPrefix: 'PMAK-', maxLength: 64 },
  { vendor: 'postman', anchors: ['PMAT-'], body: 'PMAT-[A-Z0-9]{26}', publicPrefix: 'PMAT-', maxLength: 31 },
  { vendor: 'sentry', anchors: ['sntrys_eyJ'], body: 'sntrys_eyJ[A-Za-z0-9+/=_\\-]{60,400}', publicPrefix: 'sntrys_', maxLength: 420 },
  { vendor: 'sentry', anchors: ['sntryu_'], body: 'sntryu_[a-f0-9]{64}', publicPrefix: 'sntryu_', maxLength: 71 },
  { vendor: 'grafana', anchors: ['glc_eyJ'], body: 'glc_eyJ[A-Za-z0-9+/_\\-]{32,400}={0,2}', publicPrefix: 'glc_', maxLength: 410 },
  { vendor: 'grafana', anchors: ['glsa_'], body: 'glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}', publicPrefix: 'glsa_', maxLength: 46 },
  { vendor: 'grafana', anchors: ['eyJrIjoi'], body: 'eyJrIjoi[A-Za-z0-9+/]{40,400}={0,2}', publicPrefix: 'eyJrIjoi', maxLength: 410 },
  { vendor: 'posthog', anchors: ['phx_', 'phs_', 'pha_', 'phr_'], body: 'ph[xsar]_[A-Za-z0-9]{43,60}', publicPrefix: 'ph', maxLength: 64 },
  { vendor: 'posthog', anchors: ['phc_'], body: 'phc_[A-Za-z0-9]{43}', publicPrefix: 'phc_', severity: 'Low', maxLength: 47 },
  { vendor: 'newrelic', anchors: ['NRAK-', 'NRAA-', 'NRII-', 'NRJS-', 'NRBR-', 'NRRA-', 'NRSP-'], body: 'NR(?:AK|AA|II|JS|BR|RA|SP)-[A-Za-z0-9_\\-]{19,32}', publicPrefix: 'NR', maxLength: 38 },
  { vendor: 'newrelic', anchors: ['NRAL'], shift: -36, body: '(?:eu01xx|[a-f0-9]{6})[a-f0-9]{30}NRAL', maxLength: 40 },
  { vendor: 'onepassword', anchors: ['ops_eyJ'], body: 'ops_eyJ[A-Za-z0-9+/_\\-]{250,1500}={0,2}', publicPrefix: 'ops_', maxLength: 1510 },
  { vendor: 'age', anchors: ['AGE-SECRET-KEY-1'], body: 'AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}', publicPrefix: 'AGE-SECRET-KEY-1', maxLength: 74, check: (t) => bech32Valid(t) },
  { vendor: 'sonarqube', anchors: ['sqp_', 'sqa_', 'squ_'], body: 'sq[pau]_[a-f0-9]{40}', publicPrefix: 'sq', maxLength: 44 },
  // Messaging, e-mail, payments, social
  { vendor: 'sendgrid', anchors: ['SG.'], body: 'SG\\.[A-Za-z0-9_\\-]{22}\\.[A-Za-z0-9_\\-]{43}', publicPrefix: 'SG.', maxLength: 69 },
  { vendor: 'brevo', anchors: ['xkeysib-', 'xsmtpsib-'], body: 'x(?:keysib|smtpsib)-[a-f0-9]{64}-[A-Za-z0-9]{16}', publicPrefix: 'x', maxLength: 90 },
  { vendor: 'mailgun', anchors: ['key-'], body: 'key-[0-9a-f]{32}', publicPrefix: 'key-', maxLength: 36 },
  { vendor: 'mailchimp', anchors: ['-us'], shift: -32, body: '[A-Za-z0-9]{32}-us\\d{1,2}', maxLength: 37 },
  { vendor: 'telegram_bot', anchors: [':AA'], lookBack: 10, body: '\\d{8,10}:AA[A-Za-z0-9_\\-]{33}', maxLength: 46 },
  { vendor: 'discord_webhook', anchors: ['/api/webhooks/'], lookBack: 40, body: '(?:https?://)?(?:ptb\\.|canary\\.)?discord(?:app)?\\.com/api/webhooks/(?<value>\\d{17,20}/[A-Za-z0-9_\\-]{60,68})', maxLength: 130 },
  { vendor: 'shopify', anchors: ['shpat_', 'shpca_', 'shppa_', 'shpss_'], body: 'shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}', publicPrefix: 'shp', maxLength: 38 },
  { vendor: 'square', anchors: ['sq0atp-', 'sq0csp-', 'EAAA'], body: 'sq0(?:atp|csp)-[A-Za-z0-9_\\-]{22,43}|EAAA[A-Za-z0-9_\\-]{60}', publicPrefix: 'sq0', maxLength: 64 },
  { vendor: 'paypal_braintree', anchors: ['access_token$production$', 'access_token$sandbox$'], body: 'access_token\\$(?:production|sandbox)\\$[0-9a-z]{16}\\$[0-9a-f]{32}', publicPrefix: 'access_token$', maxLength: 80 },
  { vendor: 'facebook', anchors: ['EAA'], body: 'EAA[A-Za-z0-9]{100,400}', publicPrefix: 'EAA', maxLength: 403, minEntropy: 4 },
  { vendor: 'instagram', anchors: ['IGQV'], body: 'IGQV[A-Za-z0-9_\\-]{100,400}', publicPrefix: 'IGQV', maxLength: 404 },
  { vendor: 'x_bearer', anchors: ['AAAAAAAAAAAAAAAAAAAA'], body: 'A{20,24}[A-Za-z0-9%]{70,140}', publicPrefix: 'AAAAAAAAAAAAAAAAAAAA', maxLength: 170, minEntropy: 4, allowRuns: true },
  { vendor: 'dropbox', anchors: ['sl.'], body: 'sl\\.[A-Za-z0-9_\\-]{130,1400}', publicPrefix: 'sl.', maxLength: 1410, minEntropy: 4 },
  { vendor: 'dropbox', anchors: ['AAAAAAAAAA'], shift: -11, body: '[A-Za-z0-9]{11}AAAAAAAAAA[A-Za-z0-9_=\\-]{43}', maxLength: 64, allowRuns: true },
  { vendor: 'ntlm', anchors: ['TlRMTVNTUAAD'], body: 'TlRMTVNTUAAD[A-Za-z0-9+/]{60,2000}={0,2}', publicPrefix: 'TlRMTVNTUAAD', maxLength: 2020, allowRuns: true },
  { vendor: 'nats_nkey_seed', anchors: ['NKEY SEED-----'], body: 'NKEY SEED-----[\\s/#*;]{0,40}(?<value>S[UAONCX][A-Z2-7]{56})', maxLength: 120 },
  { vendor: 'salesforce', anchors: ['00D'], body: '00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]{80,120}', maxLength: 140 },
  // Twilio: account SID (an identifier) and API key SID, "AC"/"SK" and 32 lower-case hex digits.
  { vendor: 'twilio_account_sid', anchors: ['AC'], body: 'AC[0-9a-f]{32}', publicPrefix: 'AC', severity: 'Low', maxLength: 34 },
  { vendor: 'twilio_api_key', anchors: ['SK'], body: 'SK[0-9a-f]{32}', publicPrefix: 'SK', maxLength: 34 },
  { vendor: 'wechat_app_id', anchors: ['wx'], body: 'wx[0-9a-f]{16}', severity: 'Low', publicPrefix: 'wx', maxLength: 18 },
];

const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const BECH32_GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

/** A bech32 string (BIP-173: human-readable part, "1", data with a 6-character checksum) whose checksum holds. */
export function bech32Valid(s: string): boolean {
  const str = s.toLowerCase();
  const pos = str.lastIndexOf('1');
  if (pos < 1 || pos + 7 > str.length) return false;
  const values: number[] = [];
  for (let i = 0; i < pos; i++) values.push(str.charCodeAt(i) >> 5);
  values.push(0);
  for (let i = 0; i < pos; i++) values.push(str.charCodeAt(i) & 31);
  for (const c of str.slice(pos + 1)) {
    const v = BECH32.indexOf(c);
    if (v < 0) return false;
    values.push(v);
  }
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= BECH32_GEN[i]!;
  }
  return chk === 1;
}

/** Words of placeholders and documentation values inside a token (any case). */
const PLACEHOLDER_WORDS = /example|fake|dummy|sample|placeholder|redacted|changeme|lorem|xxxx/i;

/** Length of the longest run of characters whose codes go up or down by one (`123456`, `abcdef`, `987654`). */
export function longestSequence(s: string): number {
  let best = s.length > 0 ? 1 : 0;
  let run = 1;
  let step = 0;
  for (let i = 1; i < s.length; i++) {
    const d = s.charCodeAt(i) - s.charCodeAt(i - 1);
    if ((d === 1 || d === -1) && (run === 1 || d === step)) {
      run++;
      step = d;
    } else if (d === 1 || d === -1) {
      run = 2;
      step = d;
    } else {
      run = 1;
      step = 0;
    }
    if (run > best) best = run;
  }
  return best;
}

/**
 * The random part of a token (after its public prefix): null when it cannot be random (one
 * character class that is not hex, a run of 6 equal characters, too little entropy); a test value
 * when it holds a placeholder word or a sequence of 6.
 */
export function validateTokenBody(secret: string, minEntropy = 3, allowRuns = false): Validation | null {
  if (secret.length < 8) return null;
  if (charClasses(secret) < 2 && !/^[0-9a-f]+$/i.test(secret)) return null;
  if (!allowRuns && /(.)\1{5,}/.test(secret)) return null;
  if (shannonEntropy(secret) < Math.min(minEntropy, Math.log2(secret.length) - 0.5)) return null;
  return { testValue: PLACEHOLDER_WORDS.test(secret) || longestSequence(secret) >= 6 };
}

/** The detector of one token format (data type api_token, the vendor as subtype). */
export function tokenDef(f: TokenFormat): CatalogDef {
  const triggers: Trigger[] = f.anchors.map((text) =>
    f.lookBack !== undefined ? { kind: 'window', text, before: f.lookBack, after: 0 } : { kind: 'literal', text, shift: f.shift ?? 0 },
  );
  const body = f.body.includes('(?<value>') ? f.body : `(?<value>${f.body})`;
  const prefix = f.publicPrefix ?? '';
  return {
    id: 'api_token',
    title: 'API token',
    category: 'Security',
    severity: f.severity ?? 'High',
    triggers,
    // Not inside a longer word; an ANSI colour sequence (ESC [ ... m) just before is a border too.
    pattern: new RegExp(`(?:(?<![A-Za-z0-9_+/])|(?<=\\x1b\\[[0-9;]{0,12}m))(?:${body})(?![A-Za-z0-9_+/])`, f.caseInsensitive ? 'i' : ''),
    maxLength: f.maxLength,
    before: 0,
    after: 0,
    validator: (m) => {
      if (f.check !== undefined && !f.check(m.value)) return null;
      const secret = m.value.startsWith(prefix) ? m.value.slice(prefix.length) : m.value;
      const v = validateTokenBody(secret, f.minEntropy, f.allowRuns);
      return v === null ? null : { ...v, subtype: f.vendor, severity: f.severity };
    },
    keywords: [],
    confidence: 0.85,
    keywordConfidence: 0.85,
    publicPrefix: prefix === '' ? undefined : new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\/$-]/g, '\\$&')}`),
    testMarkers: true,
    rank: 84,
  };
}
