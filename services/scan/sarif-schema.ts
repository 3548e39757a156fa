import { z } from 'zod';

/**
 * A structural check of the SARIF 2.1.0 properties Sluice writes, written from the OASIS SARIF
 * 2.1.0 specification and its JSON schema (sarif-schema-2.1.0.json: required properties, enums,
 * minimums). The official schema file is not in node_modules and no JSON-schema validator is a
 * dependency, so this zod model stands in: strict objects (unknown properties rejected) for the
 * objects Sluice emits, the spec's required fields, level enum, 1-based lines, non-negative
 * ruleIndex pointing into the driver's rules, and unique rule ids.
 */
const Message = z.strictObject({ text: z.string().min(1) });
const ArtifactLocation = z.strictObject({ uri: z.string().min(1).refine((u) => !/^[a-z]:\\/i.test(u) && !u.includes('\\'), 'a URI reference, not a Windows path') });
const Region = z.strictObject({ startLine: z.number().int().min(1) });
const PhysicalLocation = z.strictObject({ artifactLocation: ArtifactLocation, region: Region.optional() });
const LogicalLocation = z.strictObject({ name: z.string(), fullyQualifiedName: z.string(), kind: z.string() });
const Location = z.strictObject({ physicalLocation: PhysicalLocation, logicalLocations: z.array(LogicalLocation).optional() });
const Level = z.enum(['none', 'note', 'warning', 'error']);
const ReportingDescriptor = z.strictObject({
  id: z.string().min(1),
  name: z.string().optional(),
  shortDescription: Message.optional(),
  fullDescription: Message.optional(),
  help: Message.optional(),
  defaultConfiguration: z.strictObject({ level: Level }).optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
});
const Result = z.strictObject({
  ruleId: z.string().min(1),
  ruleIndex: z.number().int().min(0),
  level: Level,
  message: Message,
  locations: z.array(Location).min(1),
  partialFingerprints: z.record(z.string(), z.string()).optional(),
});
const Notification = z.strictObject({ level: Level, message: Message, locations: z.array(Location).optional() });
const Run = z
  .strictObject({
    tool: z.strictObject({
      driver: z.strictObject({
        name: z.string().min(1),
        informationUri: z.url().optional(),
        version: z.string().optional(),
        semanticVersion: z.string().optional(),
        rules: z.array(ReportingDescriptor),
      }),
    }),
    invocations: z.array(z.strictObject({ executionSuccessful: z.boolean(), toolExecutionNotifications: z.array(Notification).optional() })).optional(),
    results: z.array(Result),
  })
  .superRefine((run, ctx) => {
    const ids = run.tool.driver.rules.map((r) => r.id);
    if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', message: 'rule ids must be unique' });
    run.results.forEach((r, i) => {
      if (ids[r.ruleIndex] !== r.ruleId) ctx.addIssue({ code: 'custom', path: ['results', i, 'ruleIndex'], message: `ruleIndex ${r.ruleIndex} does not point at ${r.ruleId}` });
    });
  });

/** The top-level sarifLog object (version "2.1.0", at least one run). */
export const SarifLog = z.strictObject({
  $schema: z.url().optional(),
  version: z.literal('2.1.0'),
  runs: z.array(Run).min(1),
});
