import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RE2JS } from '@bufbuild/re2';
import { dnsName, httpMethod, isClusterName, isPathParameter, pathPattern, pathRegex, urlPath } from './l7.ts';

test('path parameters are generalised: ids, UUIDs, hex, dates, long tokens, emails; names are kept', () => {
  const cases: Array<[string, string]> = [
    ['http://reviews:9080/reviews/0', '/reviews/{id}'],
    ['http://productpage:9080/productpage', '/productpage'],
    ['/api/v1/orders/12345/items/7f9c2ba4-e88f-11ea-adc1-0242ac120002', '/api/v1/orders/{id}/items/{id}'],
    ['/blobs/sha256/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', '/blobs/sha256/{id}'],
    ['/reports/2026-12-06/summary?token=secret', '/reports/{id}/summary'],
    ['/users/alice@example.com/keys', '/users/{id}/keys'],
    ['/s/eyJhbGciOiJIUzI1NiJ9abc123XYZ/view', '/s/{id}/view'],
    ['/static/app.min.js', '/static/app.min.js'],
    ['/healthz', '/healthz'],
    ['http://10.156.0.2:9253/metrics', '/metrics'],
    ['http://host', '/'],
    ['/v2', '/v2'],
  ];
  for (const [url, want] of cases) assert.equal(pathPattern(url), want, url);
  assert.equal(isPathParameter('api'), false);
  assert.equal(isPathParameter('deadbeef'), false, 'hex without a digit is a word');
  assert.equal(isPathParameter('0a1b2c3d'), true);
  assert.equal(pathPattern('not a url'), null);
  assert.equal(urlPath('http://a:1/x?y#z'), '/x');
});

test('patterns are bounded: at most 16 segments, then {rest}', () => {
  const long = `/${Array.from({ length: 40 }, (_, i) => `seg${String.fromCharCode(97 + (i % 26))}`).join('/')}`;
  const p = pathPattern(long)!;
  assert.equal(p.split('/').length, 18);
  assert.ok(p.endsWith('/{rest}'));
});

test('methods are upper-case tokens, anything else OTHER', () => {
  assert.equal(httpMethod('get'), 'GET');
  assert.equal(httpMethod('DELETE'), 'DELETE');
  assert.equal(httpMethod('G E T'), 'OTHER');
  assert.equal(httpMethod(null), 'OTHER');
});

test('path regexes compile on RE2 and match exactly the paths of their pattern (with or without a query)', () => {
  const cases: Array<[string, string[], string[]]> = [
    ['/reviews/{id}', ['/reviews/0', '/reviews/1234', '/reviews/0?x=1'], ['/reviews', '/reviews/0/admin', '/reviewsX/0', '/reviews/']],
    ['/static/app.min.js', ['/static/app.min.js'], ['/static/appXminXjs', '/static/app.min.js/x']],
    ['/a(b)/[c]', ['/a(b)/[c]'], ['/ab/c']],
    ['/x/{rest}', ['/x/a/b/c'], ['/y/a']],
  ];
  for (const [pattern, yes, no] of cases) {
    const re = RE2JS.compile(pathRegex(pattern));
    for (const p of yes) assert.ok(re.matches(p), `${pattern} should match ${p}`);
    for (const p of no) assert.ok(!re.matches(p), `${pattern} should not match ${p}`);
  }
});

test('DNS names: trailing dot and case dropped, search-list expansions reduced, id labels wildcarded', () => {
  assert.equal(dnsName('details.bookinfo.svc.cluster.local.', 'bookinfo'), 'details.bookinfo.svc.cluster.local');
  assert.equal(dnsName('api.stripe.com.shop.svc.cluster.local.', 'shop'), 'api.stripe.com');
  assert.equal(dnsName('api.stripe.com.svc.cluster.local.', 'shop'), 'api.stripe.com');
  assert.equal(dnsName('stripe.com.svc.cluster.local.', 'shop'), 'stripe.com.svc.cluster.local', 'indistinguishable from service stripe in namespace com: kept as written');
  assert.equal(dnsName('monitoring.googleapis.com.cluster.local.', 'shop'), 'monitoring.googleapis.com');
  assert.equal(dnsName('API.Stripe.COM.', null), 'api.stripe.com');
  assert.equal(dnsName('0a1b2c3d4e5f.cdn.example.net.', null), '*.cdn.example.net');
  assert.equal(dnsName('1234.example.com', null), '*.example.com');
  assert.equal(dnsName('example.com', null), 'example.com', 'the registrable part is never wildcarded');
  assert.equal(dnsName('', null), null);
  assert.equal(isClusterName('details.bookinfo.svc.cluster.local'), true);
  assert.equal(isClusterName('details'), true);
  assert.equal(isClusterName('api.stripe.com'), false);
});
