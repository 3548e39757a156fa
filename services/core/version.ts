import { readFileSync } from 'node:fs';

/** The version of this Sluice (package.json): `sluice --version` and the telemetry's service.version. */
export const SLUICE_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
