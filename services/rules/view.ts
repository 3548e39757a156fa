import type { ApiActivity } from '../core/events.ts';
import type { NativeInput } from './native.ts';

/**
 * Read-only, lazily converted views of plain JSON values for the CEL evaluator.
 *
 * @bufbuild/cel turns a plain object into a map by copying `Object.entries` every time the value is
 * reached, which costs more than the rule itself. A `Map` is wrapped without copying, so values
 * handed to CEL are wrapped once in an `ObjectView` (a `Map` over the object whose children are
 * wrapped on first access and cached). Thunks let a field be computed on first access only: the
 * parse of `unmapped` and of `raw_data` happens only when a rule reads them.
 */
export class ObjectView extends Map<string, unknown> {
  private readonly cache = new Map<string, unknown>();

  constructor(
    private readonly source: Record<string, unknown>,
    private readonly thunks: Record<string, () => unknown> = {},
  ) {
    super();
  }

  override get size(): number {
    return this.ownKeys().length;
  }

  override get(key: string): unknown {
    if (typeof key !== 'string') return undefined;
    if (this.cache.has(key)) return this.cache.get(key);
    let v: unknown;
    if (Object.hasOwn(this.thunks, key)) v = this.thunks[key]!();
    else if (Object.hasOwn(this.source, key)) v = this.source[key];
    else return undefined;
    const wrapped = wrap(v);
    this.cache.set(key, wrapped);
    return wrapped;
  }

  override has(key: string): boolean {
    return typeof key === 'string' && (Object.hasOwn(this.thunks, key) || Object.hasOwn(this.source, key));
  }

  override keys(): MapIterator<string> {
    return this.ownKeys()[Symbol.iterator]() as MapIterator<string>;
  }

  override *values(): MapIterator<unknown> {
    for (const k of [...this.keys()]) yield this.get(k);
  }

  override *entries(): MapIterator<[string, unknown]> {
    for (const k of [...this.keys()]) yield [k, this.get(k)];
  }

  override [Symbol.iterator](): MapIterator<[string, unknown]> {
    return this.entries();
  }

  override forEach(cb: (value: unknown, key: string, map: Map<string, unknown>) => void, thisArg?: unknown): void {
    for (const k of [...this.keys()]) cb.call(thisArg, this.get(k), k, this);
  }

  /** The plain value behind the view (thunks evaluated). */
  toPlain(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of [...this.keys()]) out[k] = unwrap(this.get(k));
    return out;
  }

  private ownKeys(): string[] {
    const keys = Object.keys(this.source);
    for (const k of Object.keys(this.thunks)) if (!Object.hasOwn(this.source, k)) keys.push(k);
    return keys;
  }
}

/** Wraps a JSON value for CEL: objects become ObjectViews, arrays are copied with wrapped elements. */
export function wrap(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v === undefined ? null : v;
  if (v instanceof ObjectView) return v;
  if (Array.isArray(v)) return v.map(wrap);
  if (v instanceof Map) return v;
  return new ObjectView(v as Record<string, unknown>);
}

/** The reverse of wrap, for values that came back out of CEL (see helpers.ts toPlain for CEL values). */
export function unwrap(v: unknown): unknown {
  if (v instanceof ObjectView) return v.toPlain();
  if (Array.isArray(v)) return v.map(unwrap);
  return v;
}

/** Parses a JSON object text; anything else (bad JSON, a non-object, null) gives an empty object. */
export function parseObject(text: string | null): Record<string, unknown> {
  if (text === null || text === '') return {};
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The key under which activity bindings carry their NativeInput (native.ts); not a CEL variable. */
export const NATIVE_INPUT: unique symbol = Symbol('sluice.rules.nativeInput');

/** The bindings of one activity event: the CEL variables and the native evaluator's input. */
export type ActivityBindings = {
  readonly event: ObjectView;
  readonly raw: ObjectView;
  readonly [NATIVE_INPUT]: NativeInput;
};

/** The native input carried by bindings made by activityBindings, or null for other bindings. */
export function nativeInputOf(bindings: object): NativeInput | null {
  const v = (bindings as { readonly [NATIVE_INPUT]?: NativeInput })[NATIVE_INPUT];
  return v ?? null;
}

/**
 * The bindings of one event, as one object: the CEL variables `event` and `raw` (getters: the views
 * are made when CEL first reads them, so when the native evaluator answers every rule of the event
 * none is) and the NativeInput (`unmapped` parsed once, for both evaluators). No closure is made per
 * event.
 */
class EventBindings implements ActivityBindings, NativeInput {
  private view: ObjectView | null = null;
  private rawView: ObjectView | null = null;
  private rawObj: ObjectView | null = null;
  private parsed: Record<string, unknown> | null = null;
  private withParsed: Record<string, unknown> | null = null;

  constructor(readonly activity: ApiActivity) {}

  get event(): ObjectView {
    return (this.view ??= new ObjectView(this.activity as unknown as Record<string, unknown>, { unmapped: () => this.unmapped() }));
  }

  // `raw` is a top-level variable: a view whose every access goes through the lazily parsed record.
  get raw(): ObjectView {
    return (this.rawView ??= new LazyView(() => this.rawRecord()));
  }

  private rawRecord(): ObjectView {
    return (this.rawObj ??= new ObjectView(parseObject(this.activity.raw_data)));
  }

  get [NATIVE_INPUT](): NativeInput {
    return this;
  }

  unmapped(): Record<string, unknown> {
    return (this.parsed ??= parseObject(this.activity.unmapped));
  }

  parsedEvent(): Record<string, unknown> {
    return (this.withParsed ??= { ...(this.activity as unknown as Record<string, unknown>), unmapped: this.unmapped() });
  }
}

/**
 * The CEL bindings of an activity rule: `event` is the normalized event with `unmapped` parsed into
 * an object (`{}` when absent or truncated) and `raw_data` kept as text (`null` over the raw cap);
 * `raw` is the parsed raw record (`{}` when raw_data is null). Both parses happen on first use, and
 * `unmapped` is parsed once for CEL and the native evaluator together.
 */
export function activityBindings(event: ApiActivity): ActivityBindings {
  return new EventBindings(event);
}

/** An ObjectView whose source object is produced on first access. */
class LazyView extends ObjectView {
  constructor(private readonly make: () => ObjectView) {
    super({});
  }
  override get size(): number {
    return this.make().size;
  }
  override get(key: string): unknown {
    return this.make().get(key);
  }
  override has(key: string): boolean {
    return this.make().has(key);
  }
  override keys(): MapIterator<string> {
    return this.make().keys();
  }
  override toPlain(): Record<string, unknown> {
    return this.make().toPlain();
  }
}
