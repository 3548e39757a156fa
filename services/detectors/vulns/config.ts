import { z } from 'zod';

/** Config of the vulns detector (`detectors.vulns`). */
export const VulnsConfig = z.strictObject({
  enabled: z
    .boolean()
    .default(true)
    .describe('Join image inventories (image_inventory, per-package records) with OSV advisories (advisory) by package, and report vulnerable image packages as OCSF Vulnerability Findings (2002). Idle when neither stream carries records.'),
  defaultSeverity: z
    .enum(['Informational', 'Low', 'Medium', 'High', 'Critical'])
    .default('Medium')
    .describe('Severity of a finding whose advisories carry neither a CVSS vector nor a database rating (most Go vulndb records). Example: "Low".'),
  maxImagesPerPackage: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(20_000)
    .describe('Images remembered per package (for rescans when an advisory arrives); an image beyond it is still matched on arrival but not rescanned later, and counted. Example: 50000.'),
  maxAdvisoriesPerPackage: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(5_000)
    .describe('Advisories remembered per package (each a few hundred bytes of state); beyond it new advisories are matched against the held images once but not kept, and counted.'),
  maxReferences: z.number().int().min(0).max(100).default(5).describe('Reference URLs kept per advisory and copied into the finding.'),
});

export type VulnsConfig = z.output<typeof VulnsConfig>;
