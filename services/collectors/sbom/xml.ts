/**
 * CycloneDX XML (1.2–1.6) -> the CycloneDX JSON shape, so that one normalizer reads both. Pure: no
 * I/O. Only what the normalizer reads, and what identifies the document, is carried over (the
 * elements `test/fixtures/sbom/derived/derive.py` converts, plus nested components, hashes, group,
 * scope, copyright, author and the 1.5+ `tools` object). README.md describes the safety rules.
 */
import { XMLParser, XMLValidator, type EntityDecoderOptions } from 'fast-xml-parser';
import { SluiceError } from '../../core/errors.ts';
import { clip, isObj, malformed, type Obj } from '../fields.ts';

/** The CycloneDX XML namespaces read: http://cyclonedx.org/schema/bom/1.2 … 1.6 (later 1.x too: they are additive). */
const CYCLONEDX_NS = /^http:\/\/cyclonedx\.org\/schema\/bom\/(1\.(\d+))$/;

/** Element nesting limit handed to the parser (CycloneDX components nest 32 deep at most: see normalize.ts). */
const MAX_NESTED_TAGS = 100;

const BUILTIN_ENTITIES: Readonly<Record<string, string>> = Object.freeze({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" });

/**
 * Expands the five XML builtin entities and character references, nothing else: DOCTYPE entities
 * handed over by the parser are dropped, and a reference to any other entity is an error.
 */
function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&([^&;\s]*);/g, (_m, ref: string) => {
    const builtin = BUILTIN_ENTITIES[ref];
    if (builtin !== undefined && Object.hasOwn(BUILTIN_ENTITIES, ref)) return builtin;
    const num = /^#x([0-9a-fA-F]{1,6})$/.exec(ref) ?? /^#([0-9]{1,7})$/.exec(ref);
    if (num) {
      const cp = Number.parseInt(num[1]!, ref[1] === 'x' ? 16 : 10);
      const ok = cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
      if (ok) return String.fromCodePoint(cp);
      malformed(`XML character reference &${clip(ref, 16)}; is not a valid XML character`);
    }
    malformed(`XML entity &${clip(ref, 32)}; is not defined: only the XML builtins (lt, gt, amp, quot, apos) and character references are expanded`);
  });
}

const entityDecoder: EntityDecoderOptions = {
  setExternalEntities: () => undefined,
  addInputEntities: () => undefined, // DOCTYPE entities are never expanded (and a DOCTYPE is refused before parsing)
  reset: () => undefined,
  setXmlVersion: () => undefined,
  decode: decodeEntities,
};

function parser(): XMLParser {
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    textNodeName: '#text',
    parseTagValue: false, // "1.0" stays a string
    parseAttributeValue: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    processEntities: { enabled: true, maxEntityCount: 1, maxEntitySize: 1 },
    htmlEntities: false,
    entityDecoder,
    maxNestedTags: MAX_NESTED_TAGS,
    // Every element is an array (repeated elements keep document order; single ones are read as the first).
    isArray: (_name: string, _path: unknown, _leaf: boolean, isAttribute: boolean) => !isAttribute,
  });
}

type XNode = string | Obj;

/** Reads elements of the CycloneDX namespace (default or prefixed) out of the parser's tree. */
class CdxReader {
  constructor(private readonly prefix: string) {}

  all(node: XNode | undefined, tag: string): XNode[] {
    if (!isObj(node)) return [];
    const key = this.prefix + tag;
    if (!Object.hasOwn(node, key)) return [];
    const v = node[key];
    return Array.isArray(v) ? (v as XNode[]).filter((c) => typeof c === 'string' || isObj(c)) : [];
  }

  one(node: XNode | undefined, tag: string): XNode | undefined {
    return this.all(node, tag)[0];
  }

  /** The text of a child element, or undefined when it is absent. */
  text(node: XNode | undefined, tag: string): string | undefined {
    const el = this.one(node, tag);
    return el === undefined ? undefined : textOf(el);
  }
}

function textOf(el: XNode): string {
  if (typeof el === 'string') return el;
  const t = Object.hasOwn(el, '#text') ? el['#text'] : undefined;
  return typeof t === 'string' ? t : '';
}

function attr(node: XNode | undefined, name: string): string | undefined {
  if (!isObj(node) || !Object.hasOwn(node, `@_${name}`)) return undefined;
  const v = node[`@_${name}`];
  return typeof v === 'string' ? v : undefined;
}

function put(out: Obj, key: string, value: unknown): void {
  if (value !== undefined) out[key] = value;
}

function component(r: CdxReader, el: XNode): Obj {
  const out: Obj = {};
  put(out, 'bom-ref', attr(el, 'bom-ref'));
  put(out, 'type', attr(el, 'type'));
  for (const tag of ['author', 'publisher', 'group', 'name', 'version', 'description', 'scope']) put(out, tag, r.text(el, tag));
  const hashes = r.one(el, 'hashes');
  if (hashes !== undefined) out.hashes = r.all(hashes, 'hash').map((h) => ({ alg: attr(h, 'alg') ?? null, content: textOf(h) }));
  const licenses = r.one(el, 'licenses');
  if (licenses !== undefined && isObj(licenses)) {
    // <license> and <expression> are a choice: the schema allows one kind per <licenses>.
    const items: Obj[] = r.all(licenses, 'expression').map((e) => ({ expression: textOf(e) }));
    for (const l of r.all(licenses, 'license')) {
      const entry: Obj = {};
      put(entry, 'id', r.text(l, 'id'));
      put(entry, 'name', r.text(l, 'name'));
      items.push({ license: entry });
    }
    out.licenses = items;
  } else if (licenses !== undefined) {
    out.licenses = [];
  }
  put(out, 'copyright', r.text(el, 'copyright'));
  put(out, 'cpe', r.text(el, 'cpe'));
  put(out, 'purl', r.text(el, 'purl'));
  const swid = r.one(el, 'swid');
  if (swid !== undefined) {
    const s: Obj = {};
    for (const k of ['tagId', 'name', 'version']) put(s, k, attr(swid, k));
    out.swid = s;
  }
  const refs = r.one(el, 'externalReferences');
  if (refs !== undefined) {
    out.externalReferences = r.all(refs, 'reference').map((ref) => {
      const o: Obj = {};
      put(o, 'url', r.text(ref, 'url'));
      put(o, 'type', attr(ref, 'type'));
      return o;
    });
  }
  const props = r.one(el, 'properties');
  if (props !== undefined) out.properties = r.all(props, 'property').map((p) => ({ name: attr(p, 'name') ?? null, value: textOf(p) }));
  const nested = r.one(el, 'components');
  // Recursion is bounded by the parser's maxNestedTags; the normalizer reports depth past 32 with the field path.
  if (nested !== undefined) out.components = r.all(nested, 'component').map((c) => component(r, c));
  return out;
}

function tools(r: CdxReader, el: XNode): unknown {
  const comps = r.one(el, 'components');
  const services = r.one(el, 'services');
  if (comps !== undefined || services !== undefined) {
    // CycloneDX 1.5+: { components: [...], services: [...] }
    const out: Obj = {};
    if (comps !== undefined) out.components = r.all(comps, 'component').map((c) => component(r, c));
    if (services !== undefined) {
      out.services = r.all(services, 'service').map((s) => {
        const o: Obj = {};
        put(o, 'bom-ref', attr(s, 'bom-ref'));
        for (const tag of ['group', 'name', 'version']) put(o, tag, r.text(s, tag));
        return o;
      });
    }
    return out;
  }
  // CycloneDX 1.2–1.4 (deprecated in 1.5): [{ vendor, name, version }]
  return r.all(el, 'tool').map((t) => {
    const o: Obj = {};
    for (const tag of ['vendor', 'name', 'version']) put(o, tag, r.text(t, tag));
    return o;
  });
}

export interface CycloneDxXmlOptions {
  /** Largest XML document read, in UTF-8 bytes (the collector passes its maxDecompressedBytes). */
  maxBytes?: number;
}

/** True when the text is XML whose root element is a CycloneDX `bom` (namespace in the first 4 KiB). */
export function looksLikeCycloneDxXml(text: string): boolean {
  const head = text.slice(0, 4096).trimStart();
  if (!head.startsWith('<')) return false;
  return /<(?:[A-Za-z_][\w.-]*:)?bom[\s>/]/.test(head) && /xmlns(?::[A-Za-z_][\w.-]*)?\s*=\s*["']http:\/\/cyclonedx\.org\/schema\/bom\/1\.\d+["']/.test(head);
}

/**
 * Parses CycloneDX XML into the CycloneDX JSON shape (bomFormat, specVersion from the namespace,
 * serialNumber, version, metadata.{timestamp, tools, component}, components).
 * @throws SluiceError SLUICE_ERR_INPUT_MALFORMED (not well formed, a DOCTYPE, an undefined entity,
 *   too deep) or SLUICE_ERR_INPUT_UNREADABLE (too large; XML that is not CycloneDX 1.2+).
 */
export function cycloneDxXmlToJson(xml: string, opts: CycloneDxXmlOptions = {}): Obj {
  const maxBytes = opts.maxBytes;
  if (maxBytes !== undefined && (xml.length > maxBytes || Buffer.byteLength(xml, 'utf8') > maxBytes)) {
    throw new SluiceError('SLUICE_ERR_INPUT_UNREADABLE', `XML document exceeds ${maxBytes} bytes (maxDecompressedBytes)`);
  }
  // CycloneDX never uses a DTD; refusing any DOCTYPE rules out entity expansion (billion laughs) and external entities.
  if (xml.includes('<!DOCTYPE')) malformed('XML with a DOCTYPE declaration is refused: CycloneDX does not use one, and DTD entities are never expanded');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) malformed(`XML is not well formed: ${clip(valid.err.msg, 160)} (line ${valid.err.line}, column ${valid.err.col})`);

  let tree: unknown;
  try {
    tree = parser().parse(xml);
  } catch (err) {
    if (err instanceof SluiceError) throw err;
    malformed(`XML could not be parsed: ${clip(err instanceof Error ? err.message : String(err), 160)}`);
  }
  if (!isObj(tree)) malformed('XML has no root element');
  const roots = Object.keys(tree).filter((k) => Array.isArray(tree[k]));
  const rootName = roots[0];
  if (rootName === undefined) malformed('XML has no root element');
  if (roots.length > 1 || (tree[rootName] as XNode[]).length > 1) malformed('XML has more than one root element');
  const root = (tree[rootName] as XNode[])[0];
  const colon = rootName.indexOf(':');
  const prefix = colon < 0 ? '' : rootName.slice(0, colon);
  const local = colon < 0 ? rootName : rootName.slice(colon + 1);
  const ns = attr(root, prefix === '' ? 'xmlns' : `xmlns:${prefix}`);
  const m = ns === undefined ? null : CYCLONEDX_NS.exec(ns);
  if (local !== 'bom' || m === null) {
    throw new SluiceError(
      'SLUICE_ERR_INPUT_UNREADABLE',
      `XML is not a CycloneDX BOM (root element <${clip(rootName, 40)}> in namespace ${ns === undefined ? 'none' : `"${clip(ns, 80)}"`}): only CycloneDX XML (http://cyclonedx.org/schema/bom/1.x) is read`,
    );
  }
  if (Number(m[2]) < 2) {
    throw new SluiceError('SLUICE_ERR_INPUT_UNREADABLE', `CycloneDX XML ${m[1]} is not supported: only 1.2 and later (the versions with a JSON form) are read`);
  }
  const r = new CdxReader(prefix === '' ? '' : `${prefix}:`);

  const bom: Obj = { bomFormat: 'CycloneDX', specVersion: m[1] };
  const serial = attr(root, 'serialNumber');
  if (serial) bom.serialNumber = serial;
  const version = attr(root, 'version') ?? '1'; // the schema's default
  bom.version = /^\d{1,15}$/.test(version.trim()) ? Number(version.trim()) : version; // a non-integer is reported by the normalizer
  const meta = r.one(root, 'metadata');
  if (meta !== undefined) {
    const md: Obj = {};
    put(md, 'timestamp', r.text(meta, 'timestamp'));
    const t = r.one(meta, 'tools');
    if (t !== undefined) md.tools = tools(r, t);
    const comp = r.one(meta, 'component');
    if (comp !== undefined) md.component = component(r, comp);
    bom.metadata = md;
  }
  const comps = r.one(root, 'components');
  bom.components = comps === undefined ? [] : r.all(comps, 'component').map((c) => component(r, c));
  return bom;
}
