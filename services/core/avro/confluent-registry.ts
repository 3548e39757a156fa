import avro from 'avsc';
import type { Client, Compatibility } from '@confluentinc/schemaregistry';
import type { SCHEMA_COMPATIBILITY_LEVELS } from '../config.ts';
import { SluiceError } from '../errors.ts';
import { registryFailure, type RegistryFailure } from './registry-errors.ts';
import { LocalSchemaRegistry, type AvroType, type SchemaRegistry } from './registry.ts';

export type CompatibilityLevel = (typeof SCHEMA_COMPATIBILITY_LEVELS)[number];

/** The registry calls Sluice makes (a subset of @confluentinc/schemaregistry's Client). */
export type RegistryClient = Pick<Client, 'register' | 'getBySubjectAndId' | 'getAllVersions' | 'getSchemaMetadata' | 'getCompatibility' | 'updateCompatibility'>;

export interface ConfluentRegistryOptions {
  /**
   * true (default): register the schema under `<topic>-value` on first use, after setting the
   * subject's compatibility level. false: pre-registered schemas only; the id is looked up with
   * GET requests and nothing is ever written to the registry.
   */
  autoRegister?: boolean;
  /** Subject compatibility level set before registering (default BACKWARD). */
  compatibility?: CompatibilityLevel;
  /** Strings to remove from error messages (the basic-auth password and header). */
  secrets?: readonly string[];
}

/** One schema's JSON with names resolved, attributes kept and whitespace and key order normalized. */
function normalizedSchema(text: string): string {
  return JSON.stringify(avro.Type.forSchema(JSON.parse(text) as avro.Schema).schema({ exportAttrs: true }));
}

/**
 * Schemas registered and resolved through a Confluent-compatible Schema Registry
 * (@confluentinc/schemaregistry). Subjects follow the TopicNameStrategy: `<topic>-value`.
 * The schema text comes from schemas/avro/; ids come from the registry.
 */
export class ConfluentSchemaRegistry implements SchemaRegistry {
  readonly kind = 'confluent' as const;
  readonly autoRegister: boolean;
  readonly compatibility: CompatibilityLevel;
  private readonly secrets: readonly string[];
  private readonly ids = new Map<string, Promise<number>>();
  private readonly types = new Map<number, Promise<AvroType>>();
  private readonly subjectsConfigured = new Map<string, Promise<void>>();

  constructor(
    private readonly client: RegistryClient,
    options: ConfluentRegistryOptions = {},
    private readonly local: LocalSchemaRegistry = new LocalSchemaRegistry(),
  ) {
    this.autoRegister = options.autoRegister ?? true;
    this.compatibility = options.compatibility ?? 'BACKWARD';
    this.secrets = options.secrets ?? [];
  }

  idFor(topic: string, schemaName: string): Promise<number> {
    const subject = `${topic}-value`;
    const cacheKey = `${subject}\u0000${schemaName}`;
    let id = this.ids.get(cacheKey);
    if (!id) {
      const { text } = this.local.schema(schemaName);
      id = (this.autoRegister ? this.register(subject, schemaName, text) : this.lookUp(subject, schemaName, text)).catch((err: unknown) => {
        this.ids.delete(cacheKey);
        throw err;
      });
      this.ids.set(cacheKey, id);
    }
    return id;
  }

  typeForId(id: number): Promise<AvroType> {
    let type = this.types.get(id);
    if (!type) {
      type = this.client
        .getBySubjectAndId('', id)
        .then((info) => avro.Type.forSchema(JSON.parse(info.schema) as avro.Schema))
        .catch((cause: unknown) => {
          this.types.delete(id);
          const failure = this.failure(cause);
          // Only the registry's own "not found" is final; anything else (down, timeout) is retried.
          const notFound = failure.status === 404;
          throw new SluiceError(notFound ? 'SLUICE_ERR_SCHEMA_UNKNOWN' : 'SLUICE_ERR_SCHEMA_REGISTRY', `schema id ${id} could not be resolved: ${failure.message}`, {
            cause: failure.error,
          });
        });
      this.types.set(id, type);
    }
    return type;
  }

  typeForName(schemaName: string): AvroType {
    return this.local.typeForName(schemaName);
  }

  private failure(cause: unknown): RegistryFailure {
    return registryFailure(cause, this.secrets);
  }

  private async register(subject: string, schemaName: string, text: string): Promise<number> {
    await this.configureSubject(subject);
    try {
      return await this.client.register(subject, { schemaType: 'AVRO', schema: text }, false);
    } catch (cause) {
      const failure = this.failure(cause);
      const hint = failure.status === 409 ? ` (${schemaName} is not ${this.compatibility}-compatible with the versions registered under ${subject}: a breaking change needs a new topic)` : '';
      throw new SluiceError('SLUICE_ERR_SCHEMA_REGISTRY', `registering ${schemaName} under ${subject} failed: ${failure.message}${hint}`, { cause: failure.error });
    }
  }

  /** Sets the subject's compatibility level once per process, unless it already has it. */
  private configureSubject(subject: string): Promise<void> {
    let done = this.subjectsConfigured.get(subject);
    if (!done) {
      done = (async () => {
        const current = await this.client.getCompatibility(subject).catch((cause: unknown) => {
          // 404: no subject-level setting yet (the registry's default applies).
          if (this.failure(cause).status === 404) return undefined;
          throw cause;
        });
        if (current === this.compatibility) return;
        await this.client.updateCompatibility(subject, this.compatibility as unknown as Compatibility);
      })().catch((cause: unknown) => {
        this.subjectsConfigured.delete(subject);
        const failure = this.failure(cause);
        throw new SluiceError(
          'SLUICE_ERR_SCHEMA_REGISTRY',
          `setting compatibility ${this.compatibility} on subject ${subject} failed: ${failure.message}` +
            (failure.status === 401 || failure.status === 403
              ? ' (the credentials may not change subject settings: pre-register the schemas and set schemaRegistry.autoRegister=false)'
              : ''),
          { cause: failure.error },
        );
      });
      this.subjectsConfigured.set(subject, done);
    }
    return done;
  }

  /** Pre-registered mode: the id of the version of `subject` whose schema is this one; only GET requests. */
  private async lookUp(subject: string, schemaName: string, text: string): Promise<number> {
    const wanted = normalizedSchema(text);
    const notRegistered = (why: string) =>
      new SluiceError(
        'SLUICE_ERR_SCHEMA_NOT_REGISTERED',
        `${schemaName} (schemas/avro/) is not registered under subject ${subject}: ${why}; ` +
          'register it (see docs/schema-registry.md) or set schemaRegistry.autoRegister=true to let Sluice register it',
      );
    let versions: number[];
    try {
      versions = await this.client.getAllVersions(subject);
    } catch (cause) {
      const failure = this.failure(cause);
      if (failure.status === 404) throw notRegistered('the subject does not exist');
      throw new SluiceError('SLUICE_ERR_SCHEMA_REGISTRY', `listing the versions of ${subject} failed: ${failure.message}`, { cause: failure.error });
    }
    for (const version of [...versions].sort((a, b) => b - a)) {
      let info;
      try {
        info = await this.client.getSchemaMetadata(subject, version, false);
      } catch (cause) {
        const failure = this.failure(cause);
        if (failure.status === 404) continue; // deleted meanwhile
        throw new SluiceError('SLUICE_ERR_SCHEMA_REGISTRY', `reading version ${version} of ${subject} failed: ${failure.message}`, { cause: failure.error });
      }
      if ((info.schemaType ?? 'AVRO') !== 'AVRO' || info.id === undefined) continue;
      let registered: string;
      try {
        registered = normalizedSchema(info.schema);
      } catch {
        continue; // not an Avro schema avsc can read
      }
      if (registered === wanted) return info.id;
    }
    throw notRegistered(`none of its ${versions.length} version(s) is this schema`);
  }
}
