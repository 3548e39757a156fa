/**
 * CloudFormation's YAML short-form intrinsic functions (`!Ref`, `!Sub`, `!GetAtt`, ...) as custom
 * tags for the `yaml` package. Each tag resolves to the long (JSON) form as a YAML node, so a
 * template reads the same whether written with tags or in JSON, and node positions are kept:
 *   !Ref Name                 -> { "Ref": "Name" }
 *   !Condition IsProd         -> { "Condition": "IsProd" }
 *   !GetAtt Bucket.Arn        -> { "Fn::GetAtt": ["Bucket", "Arn"] }   (split at the first dot)
 *   !Sub "x-${AWS::Region}"   -> { "Fn::Sub": "x-${AWS::Region}" }
 *   !Join [",", [a, b]]       -> { "Fn::Join": [",", ["a", "b"]] }
 * Every `Fn::` tag accepts a scalar, a sequence or a mapping, as CloudFormation does.
 */
import { Pair, Scalar, YAMLMap, type YAMLSeq, type ScalarTag, type CollectionTag } from 'yaml';

/** Short-form tag -> long-form key. */
export const CFN_FUNCTIONS: Readonly<Record<string, string>> = Object.freeze({
  Ref: 'Ref',
  Condition: 'Condition',
  Sub: 'Fn::Sub',
  GetAtt: 'Fn::GetAtt',
  Join: 'Fn::Join',
  If: 'Fn::If',
  Equals: 'Fn::Equals',
  FindInMap: 'Fn::FindInMap',
  Select: 'Fn::Select',
  Split: 'Fn::Split',
  ImportValue: 'Fn::ImportValue',
  Base64: 'Fn::Base64',
  Cidr: 'Fn::Cidr',
  GetAZs: 'Fn::GetAZs',
  And: 'Fn::And',
  Or: 'Fn::Or',
  Not: 'Fn::Not',
  Transform: 'Fn::Transform',
  ToJsonString: 'Fn::ToJsonString',
  Length: 'Fn::Length',
});

/** A collection tag may return a node: the long form as a one-pair mapping around the tagged collection. */
function wrap(key: string, value: unknown): YAMLMap {
  const map = new YAMLMap();
  map.items.push(new Pair(new Scalar(key), value));
  return map;
}

function scalarTag(name: string, key: string): ScalarTag {
  return {
    tag: `!${name}`,
    // A scalar tag's result is wrapped in a Scalar node, so it must be the plain long form itself.
    resolve(str: string): Record<string, unknown> {
      if (name === 'GetAtt') {
        const dot = str.indexOf('.');
        return { [key]: dot > 0 ? [str.slice(0, dot), str.slice(dot + 1)] : [str] };
      }
      return { [key]: str };
    },
  };
}

function collectionTag(name: string, key: string, collection: 'seq' | 'map'): CollectionTag {
  return {
    tag: `!${name}`,
    collection,
    resolve(value: YAMLMap.Parsed | YAMLSeq.Parsed): YAMLMap {
      return wrap(key, value);
    },
  };
}

/** The custom tags to pass as `customTags` to yaml's parse functions. */
export const CFN_TAGS: ReadonlyArray<ScalarTag | CollectionTag> = Object.freeze(
  Object.entries(CFN_FUNCTIONS).flatMap(([name, key]) => [scalarTag(name, key), collectionTag(name, key, 'seq'), collectionTag(name, key, 'map')]),
);
