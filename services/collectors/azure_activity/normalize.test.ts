import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { OCSF_VERSION } from '../../core/events.ts';
import { stableRecordUid } from '../aws_cloudtrail/index.ts';
import { pantherLog, REST_FILE } from '../../../test/fixtures/azure_activity/load.ts';
import { azureActivityId, normalizeAzureActivity, parseResourceId, sniffAzureActivity } from './index.ts';
import { unmappedOf, assertMalformed } from '../../../test/fixtures/activity-kit.ts';

describe('normalizeAzureActivity: role assignment with authorization evidence (PrivilegedOrElevated#0)', () => {
  const log = pantherLog('Azure.MonitorActivity.RoleAssignment.PrivilegedOrElevated#0');
  const e = normalizeAzureActivity(log);

  it('maps class, operation, service and activity', () => {
    assert.equal(e.class_uid, 6003);
    assert.equal(e.category_uid, 6);
    assert.equal(e.api.operation, 'MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE');
    assert.equal(e.api.service_name, 'MICROSOFT.AUTHORIZATION');
    assert.equal(e.activity_id, 1);
    assert.equal(e.type_uid, 600301);
    assert.equal(e.api.version, '2021-04-01');
    assert.equal(e.api.request_uid, 'f1e2d3c4-b5a6-7890-bcde-f12345678901');
  });

  it('takes the principal from identity.authorization.evidence when there are no claims', () => {
    assert.deepEqual(e.actor.user, {
      uid: '6b6d44f0-b13a-46a0-bfde-161324d4c34d',
      name: null,
      type: 'User',
      account_uid: '87654321-4321-4321-4321-111111111111',
      credential_uid: null,
    });
    assert.equal(e.actor.session, null);
  });

  it('maps time, status, cloud, source and resource', () => {
    assert.equal(e.time, Date.UTC(2024, 11, 17, 10, 30, 0));
    assert.equal(e.metadata.original_time, '2024-12-17T10:30:00.0000000Z');
    assert.equal(e.status, 'Success');
    assert.equal(e.status_id, 1);
    assert.equal(e.status_code, '200');
    assert.equal(e.status_detail, null);
    assert.deepEqual(e.cloud, { provider: 'Azure', region: null, account_uid: '12345678-1234-1234-1234-123456789abc' });
    assert.deepEqual(e.src_endpoint, { ip: '1.1.1.1', domain: null });
    assert.deepEqual(e.resources, [
      {
        uid: '/subscriptions/12345678-1234-1234-1234-123456789abc/providers/Microsoft.Authorization/roleAssignments/a1b2c3d4-e5f6-7890-abcd-ef1234567890',
        type: 'Microsoft.Authorization/roleAssignments',
        name: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
      },
    ]);
  });

  it('has metadata with a stable hash uid (no eventDataId in the Event Hubs form)', () => {
    assert.deepEqual(e.metadata, {
      uid: stableRecordUid(log),
      version: OCSF_VERSION,
      product_name: 'Azure Activity Log',
      vendor_name: 'Microsoft',
      log_name: 'Administrative',
      original_time: '2024-12-17T10:30:00.0000000Z',
      source: 'azure_activity',
    });
    assert.match(e.metadata.uid, /^[0-9a-f]{32}$/);
  });

  it('keeps identity, properties and the other unmapped fields', () => {
    const u = unmappedOf(e);
    assert.equal((u.identity as { authorization: { evidence: { role: string } } }).authorization.evidence.role, 'Owner');
    assert.match(String((u.properties as { requestbody: string }).requestbody), /"PrincipalType":"ServicePrincipal"/);
    assert.equal(u.correlationId, 'f1e2d3c4-b5a6-7890-bcde-f12345678901');
    assert.equal(u.resultType, 'Success');
    for (const k of ['time', 'operationName', 'callerIpAddress', 'resourceId', 'location', 'operationVersion']) assert.ok(!(k in u), k);
    assert.equal(e.raw_data, JSON.stringify(log));
  });
});

describe('normalizeAzureActivity: status', () => {
  it('Failed with signature 403 is a failure with status_code 403 (KeysListed#2)', () => {
    const e = normalizeAzureActivity(pantherLog('Azure.MonitorActivity.StorageAccount.KeysListed#2'));
    assert.equal(e.status, 'Failure');
    assert.equal(e.status_id, 2);
    assert.equal(e.status_code, '403');
    assert.equal(e.api.operation, 'MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION');
    assert.equal(e.activity_id, 2, 'listKeys/action reads');
  });

  it('Succeeded (no signature) is a success (ActionGroups.Deleted#1, lower-case operation)', () => {
    const e = normalizeAzureActivity(pantherLog('Azure.MonitorActivity.ActionGroups.Deleted#1'));
    assert.equal(e.status, 'Success');
    assert.equal(e.status_code, null);
    assert.equal(e.api.operation, 'MICROSOFT.INSIGHTS/ACTIONGROUPS/DELETE');
    assert.equal(e.api.service_name, 'MICROSOFT.INSIGHTS');
    assert.equal(e.activity_id, 4);
    assert.equal(e.cloud.region, 'westus');
  });

  it('Active (a recommendation, not an outcome) is Unknown (Advisor.SecurityRecommendation#0)', () => {
    const e = normalizeAzureActivity(pantherLog('Azure.MonitorActivity.Advisor.SecurityRecommendation#0'));
    assert.equal(e.status, 'Unknown');
    assert.equal(e.status_id, 0);
    assert.equal(e.status_code, 'Succeeded');
    assert.equal(e.actor.user.uid, 'Microsoft.Advisor', 'emailaddress claim');
    assert.equal(e.cloud.account_uid, '00000000-0000-0000-0000-111111111111', 'from the upper-case /SUBSCRIPTIONS/ path');
    assert.equal(e.cloud.region, 'global');
    assert.equal(e.metadata.log_name, 'Recommendation');
    assert.equal(e.time, Date.UTC(2025, 11, 22, 8, 46, 29, 678));
    assert.deepEqual(e.resources[0], {
      uid: '/SUBSCRIPTIONS/00000000-0000-0000-0000-111111111111/RESOURCEGROUPS/EXAMPLE-RG/PROVIDERS/MICROSOFT.STORAGE/STORAGEACCOUNTS/EXAMPLESTORAGE',
      type: 'MICROSOFT.STORAGE/STORAGEACCOUNTS',
      name: 'EXAMPLESTORAGE',
    });
  });

  it('a Start event is Unknown; Failed.Forbidden signature without resultType is a failure', () => {
    const base = pantherLog('Azure.MonitorActivity.KeyVault.Deleted#0');
    assert.equal(normalizeAzureActivity({ ...base, resultType: 'Start', resultSignature: 'Started.' }).status, 'Unknown');
    const { resultType: _r, ...noType } = base;
    const e = normalizeAzureActivity({ ...noType, resultSignature: 'Failed.Forbidden', resultDescription: 'no access' });
    assert.equal(e.status, 'Failure');
    assert.equal(e.status_code, 'Failed.Forbidden');
    assert.equal(e.status_detail, 'no access');
  });
});

describe('normalizeAzureActivity: principal choice', () => {
  it('claims: object id first, upn as name, MFA, issuer, issue time, client app (constructed Event Hubs claims)', () => {
    const base = pantherLog('Azure.MonitorActivity.KeyVault.Deleted#0');
    const e = normalizeAzureActivity({
      ...base,
      identity: {
        claims: {
          'http://schemas.microsoft.com/identity/claims/objectidentifier': 'AAAA1111-2222-3333-4444-555566667777',
          'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn': 'Admin@Contoso.com',
          'http://schemas.microsoft.com/identity/claims/tenantid': 'FFFFFFFF-EEEE-DDDD-CCCC-BBBBBBBBBBB0',
          'http://schemas.microsoft.com/claims/authnmethodsreferences': 'pwd,mfa',
          iss: 'https://sts.windows.net/ffffffff-eeee-dddd-cccc-bbbbbbbbbbb0/',
          iat: '1421876371',
          appid: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c',
        },
      },
    });
    assert.equal(e.actor.user.uid, 'aaaa1111-2222-3333-4444-555566667777');
    assert.equal(e.actor.user.name, 'Admin@Contoso.com');
    assert.equal(e.actor.user.type, 'User');
    assert.equal(e.actor.user.account_uid, 'ffffffff-eeee-dddd-cccc-bbbbbbbbbbb0');
    assert.deepEqual(e.actor.session, { is_mfa: true, issuer: 'https://sts.windows.net/ffffffff-eeee-dddd-cccc-bbbbbbbbbbb0/', created_time: 1421876371000 });
    assert.equal(e.actor.invoked_by, 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c');
  });

  it('upn claim when there is no object id (PrivilegedOrElevated#3)', () => {
    const e = normalizeAzureActivity(pantherLog('Azure.MonitorActivity.RoleAssignment.PrivilegedOrElevated#3'));
    assert.equal(e.actor.user.uid, 'attacker@example.com');
    assert.equal(e.actor.user.type, 'User');
    assert.equal(e.api.operation, 'MICROSOFT.AUTHORIZATION/ELEVATEACCESS/ACTION', 'operationName.value of the REST form');
    assert.equal(e.activity_id, 99);
    assert.deepEqual(e.resources, [{ uid: '/providers/Microsoft.Authorization', type: 'Microsoft.Authorization', name: null }]);
    assert.equal(e.cloud.account_uid, null);
    assert.deepEqual(e.src_endpoint, { ip: '203.0.113.42', domain: null });
  });

  it('name claim (KeysListed#0)', () => {
    const e = normalizeAzureActivity(pantherLog('Azure.MonitorActivity.StorageAccount.KeysListed#0'));
    assert.equal(e.actor.user.uid, 'denethor@lotr.com');
    assert.equal(e.actor.user.name, 'denethor@lotr.com');
  });

  it('caller (REST and Log Analytics forms) when the record has no claims', () => {
    const base = pantherLog('Azure.MonitorActivity.KeyVault.Deleted#0');
    assert.equal(normalizeAzureActivity({ ...base, caller: 'Ops@Contoso.com' }).actor.user.uid, 'ops@contoso.com');
  });

  it('no identity at all: unknown@<subscription>, marked as a fallback (ActionGroups.Deleted#0)', () => {
    const e = normalizeAzureActivity(pantherLog('Azure.MonitorActivity.ActionGroups.Deleted#0'));
    assert.equal(e.actor.user.uid, 'unknown@12345678-1234-1234-1234-123456789abc');
    assert.equal(e.actor.user.type, null);
    assert.deepEqual(unmappedOf(e)._sluice, { fallbacks: ['principal'] });
  });
});

describe('normalizeAzureActivity: data-plane storage records', () => {
  it('SAS read of a customer-encrypted blob (CPKEncryptionDetected#0)', () => {
    const e = normalizeAzureActivity(pantherLog('Azure.MonitorActivity.Storage.Blob.CPKEncryptionDetected#0'));
    assert.equal(e.api.operation, 'GetBlobMetadata');
    assert.equal(e.api.service_name, 'MICROSOFT.STORAGE');
    assert.equal(e.activity_id, 2);
    assert.equal(e.status, 'Failure');
    assert.equal(e.status_code, '409');
    assert.equal(e.status_detail, 'BlobUsesCustomerSpecifiedEncryption');
    assert.deepEqual(e.src_endpoint, { ip: '1.1.1.1', domain: null }, 'port 57485 dropped');
    assert.equal(e.actor.user.uid, 'SAS:key1(EXAMPLE_HASH)');
    assert.equal(e.actor.user.type, 'SAS');
    assert.equal(e.actor.user.credential_uid, 'key1(EXAMPLE_HASH)');
    assert.match(e.user_agent ?? '', /^Mozilla\/5\.0 \(Macintosh/);
    assert.equal(e.cloud.region, 'westus2');
    assert.equal(e.metadata.log_name, 'StorageRead');
    assert.equal(e.time, Date.UTC(2024, 11, 19, 19, 15, 7, 295));
    assert.deepEqual(e.resources[1], {
      uid: '/mystorageaccount/corporate-files/documents/internal_doc_8.txt.ENCRYPTED',
      type: 'blob object',
      name: 'internal_doc_8.txt.ENCRYPTED',
    });
  });

  it('a record without resourceId takes the service from its category (SASTokenExternalAccess#0)', () => {
    const log = pantherLog('Azure.MonitorActivity.Storage.SASTokenExternalAccess#0');
    const e = normalizeAzureActivity(log);
    assert.equal(e.api.service_name, 'MICROSOFT.STORAGE');
    assert.equal(e.api.operation, 'GetBlob');
    assert.equal(e.status, 'Success');
    assert.equal(e.status_code, '200');
    assert.equal(e.cloud.account_uid, null);
    assert.equal(e.actor.user.uid, 'unknown@criticaldata001');
    assert.deepEqual(e.src_endpoint, { ip: '8.8.8.8', domain: null });
    assert.equal(e.user_agent, 'python-requests/2.31.0');
    const u = unmappedOf(e);
    assert.ok(!('p_log_type' in u), 'Panther fields are dropped');
    assert.match(String(u.uri), /^https:\/\/criticaldata001\.blob\.core\.windows\.net\//);
  });

  it('an OAuth request whose identity.authorization is the list of RBAC decisions (storage resource-log form)', () => {
    // Shape of the example in Microsoft's "Monitor Azure Blob Storage data reference" (resource logs):
    // identity.authorization is an array of {action, principals, roleAssignmentId, roleDefinitionId, result, type}.
    const record = {
      time: '2026-11-18T09:31:02.0000000Z',
      resourceId: '/subscriptions/7f3c2a10-4b5e-4c2d-9a1f-0c8e5d6b2a91/resourceGroups/data-rg/providers/Microsoft.Storage/storageAccounts/stprod01/blobServices/default',
      category: 'StorageDelete',
      operationName: 'DeleteBlob',
      operationVersion: '2023-11-03',
      schemaVersion: '1.0',
      statusCode: 202,
      statusText: 'Success',
      callerIpAddress: '203.0.113.77:51544',
      uri: 'https://stprod01.blob.core.windows.net:443/invoices/a.pdf',
      identity: {
        type: 'OAuth',
        tokenHash: 'B3CC9D5C64B3351573D806751312317FE4E910877E7CBAFA9D95E0BE923DD25C',
        authorization: [
          {
            action: 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete',
            principals: [{ id: '8a1b2c3d-0000-4e5f-8a9b-0c1d2e3f4a5b', type: 'User' }],
            roleAssignmentId: '7d3e0000-0000-4000-8000-000000000011',
            roleDefinitionId: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
            reason: 'Policy',
            result: 'Granted',
            type: 'RBAC',
          },
        ],
        requester: { appId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', objectId: '8A1B2C3D-0000-4E5F-8A9B-0C1D2E3F4A5B', tenantId: '2d9e4f60-1a3b-4c5d-8e7f-9a0b1c2d3e4f', upn: 'mallory.ops@contoso.example' },
      },
      properties: { accountName: 'stprod01', serviceType: 'blob', objectKey: '/stprod01/invoices/a.pdf' },
    };
    const e = normalizeAzureActivity(record);
    assert.equal(e.api.operation, 'DeleteBlob');
    assert.equal(e.status, 'Success');
    assert.equal(e.actor.user.uid, '8a1b2c3d-0000-4e5f-8a9b-0c1d2e3f4a5b');
    assert.equal(e.actor.user.name, 'mallory.ops@contoso.example');
    const u = unmappedOf(e) as { identity: { authorization: unknown[] } };
    assert.equal(u.identity.authorization.length, 1, 'the RBAC decisions stay in unmapped');
    // An authorization that is neither an object nor a list is still malformed.
    assertMalformed(() => normalizeAzureActivity({ ...record, identity: { ...record.identity, authorization: 'x' } }), /identity\.authorization must be an object/);
  });
});

describe('normalizeAzureActivity: REST API form (derived/rest-api.json)', () => {
  const [elevate, listKeys] = (JSON.parse(readFileSync(REST_FILE, 'utf8')) as { value: Record<string, unknown>[] }).value;

  it('reads eventTimestamp, status/subStatus, httpRequest and claims', () => {
    const e = normalizeAzureActivity(listKeys);
    assert.equal(e.time, Date.UTC(2024, 11, 24, 12, 0, 0));
    assert.equal(e.metadata.original_time, '2024-12-24T12:00:00.0000000Z');
    assert.equal(e.status, 'Failure');
    assert.equal(e.status_code, '403');
    assert.deepEqual(e.src_endpoint, { ip: '3.3.3.3', domain: null });
    assert.equal(e.cloud.account_uid, '12345678-1234-1234-1234-123456789abc');
    assert.equal(e.metadata.log_name, 'Administrative');
    const el = normalizeAzureActivity(elevate);
    assert.equal(el.actor.user.uid, 'attacker@example.com');
    assert.equal(el.status, 'Success');
    assert.equal(el.status_code, null, 'empty subStatus');
  });

  it('uses eventDataId as metadata.uid when present', () => {
    assert.equal(normalizeAzureActivity({ ...listKeys, eventDataId: 'aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e' }).metadata.uid, 'aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e');
  });
});

describe('normalizeAzureActivity: Log Analytics AzureActivity rows', () => {
  // Columns as the AzureActivity table has them (constructed row, made-up identifiers).
  const row = {
    TimeGenerated: '2025-03-04T10:00:00.1234567Z',
    Type: 'AzureActivity',
    OperationNameValue: 'MICROSOFT.STORAGE/STORAGEACCOUNTS/WRITE',
    OperationName: 'Create/Update Storage Account',
    ActivityStatusValue: 'Success',
    ActivitySubstatusValue: '',
    CategoryValue: 'Administrative',
    ResourceProviderValue: 'MICROSOFT.STORAGE',
    Caller: 'admin@example.com',
    CallerIpAddress: '203.0.113.7',
    CorrelationId: 'c0ffee00-1111-2222-3333-444444444444',
    EventDataId: 'e0e0e0e0-1111-2222-3333-444444444444',
    SubscriptionId: '11111111-2222-3333-4444-555555555555',
    TenantId: '99999999-8888-7777-6666-555555555555',
    _ResourceId: '/subscriptions/11111111-2222-3333-4444-555555555555/resourcegroups/data-rg/providers/microsoft.storage/storageaccounts/examplestore',
    Properties_d: { requestbody: '{"properties":{"allowBlobPublicAccess":true}}', eventCategory: 'Administrative' },
    Claims: '{"http://schemas.microsoft.com/identity/claims/objectidentifier":"6B6D44F0-B13A-46A0-BFDE-161324D4C34D","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"admin@example.com"}',
    Authorization: '{"action":"Microsoft.Storage/storageAccounts/write","scope":"/subscriptions/11111111-2222-3333-4444-555555555555"}',
  };
  const e = normalizeAzureActivity(row);

  it('renames the columns to the resource-log fields', () => {
    assert.equal(e.api.operation, 'MICROSOFT.STORAGE/STORAGEACCOUNTS/WRITE');
    assert.equal(e.api.service_name, 'MICROSOFT.STORAGE');
    assert.equal(e.api.request_uid, 'c0ffee00-1111-2222-3333-444444444444');
    assert.equal(e.time, Date.UTC(2025, 2, 4, 10, 0, 0, 123));
    assert.equal(e.status, 'Success');
    assert.equal(e.status_code, null, 'an empty ActivitySubstatusValue is absent');
    assert.equal(e.metadata.uid, 'e0e0e0e0-1111-2222-3333-444444444444');
    assert.equal(e.metadata.log_name, 'Administrative');
    assert.equal(e.cloud.account_uid, '11111111-2222-3333-4444-555555555555');
    assert.deepEqual(e.src_endpoint, { ip: '203.0.113.7', domain: null });
    assert.equal(e.resources[0]?.name, 'examplestore');
  });

  it('reads the claims (text column) for the principal and the properties for the rules', () => {
    assert.equal(e.actor.user.uid, '6b6d44f0-b13a-46a0-bfde-161324d4c34d');
    assert.equal(e.actor.user.name, 'admin@example.com');
    assert.equal(e.actor.user.type, 'User');
    const u = unmappedOf(e);
    assert.deepEqual(u.properties, row.Properties_d);
    assert.deepEqual((u.identity as Record<string, unknown>).authorization, JSON.parse(row.Authorization));
    assert.equal(u.Type, 'AzureActivity', 'columns not renamed stay');
    assert.equal(u.OperationNameValue, undefined);
  });

  it('keeps the row as written in raw_data', () => {
    assert.deepEqual(JSON.parse(e.raw_data ?? 'null'), row);
  });

  it('a Start row is not an outcome; a row without a time is malformed', () => {
    assert.equal(normalizeAzureActivity({ ...row, ActivityStatusValue: 'Start' }).status, 'Unknown');
    assertMalformed(() => normalizeAzureActivity({ ...row, TimeGenerated: '' }), /time is missing/);
  });
});

describe('normalizeAzureActivity: bad records', () => {
  const base = pantherLog('Azure.MonitorActivity.SQL.ServerDeleted#1');

  it('names every missing required field', () => {
    assertMalformed(() => normalizeAzureActivity({ correlationId: 'x' }), /operationName is missing; time is missing/);
    assertMalformed(() => normalizeAzureActivity([base]), /record must be a JSON object, got an array/);
    assertMalformed(() => normalizeAzureActivity(null), /got null/);
  });

  it('rejects wrong JSON types of mapped fields, naming the path', () => {
    assertMalformed(() => normalizeAzureActivity({ ...base, operationName: { value: 7 } }), /operationName\.value must be a string, got a number/);
    assertMalformed(() => normalizeAzureActivity({ ...base, time: 1734435900000 }), /time must be a string, got a number/);
    assertMalformed(() => normalizeAzureActivity({ ...base, identity: { claims: [] } }), /identity\.claims must be an object, got an array/);
    assertMalformed(
      () => normalizeAzureActivity({ ...base, identity: { claims: { 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn': 5 } } }),
      /identity\.claims\["http:\/\/schemas\.xmlsoap\.org\/ws\/2005\/05\/identity\/claims\/upn"\] must be a string/,
    );
    assertMalformed(() => normalizeAzureActivity({ ...base, statusCode: true }), /statusCode must be an integer, got a boolean/);
    assertMalformed(() => normalizeAzureActivity({ ...base, resourceId: {} }), /resourceId must be a string, got an object/);
  });

  it('is deterministic and key-order independent', () => {
    const reordered = Object.fromEntries(Object.entries(base).reverse());
    assert.deepEqual(normalizeAzureActivity(base).metadata.uid, normalizeAzureActivity(reordered).metadata.uid);
    assert.deepEqual(normalizeAzureActivity(base), normalizeAzureActivity(structuredClone(base)));
  });

  it('caps raw_data and unmapped', () => {
    const big = { ...base, properties: { requestbody: 'x'.repeat(70_000) } };
    const e = normalizeAzureActivity(big);
    assert.equal(e.raw_data, null);
    assert.equal(e.unmapped, '{"_truncated":true}');
    const small = normalizeAzureActivity(base, { rawCapBytes: 10, unmappedCapBytes: 10 });
    assert.equal(small.raw_data, null);
    assert.equal(small.unmapped, '{"_truncated":true}');
  });
});

describe('azureActivityId and parseResourceId', () => {
  it('maps ARM verbs and data-plane names', () => {
    assert.equal(azureActivityId('Microsoft.Compute/virtualMachines/write'), 1);
    assert.equal(azureActivityId('MICROSOFT.NETWORK/PUBLICIPADDRESSES/READ'), 2);
    assert.equal(azureActivityId('microsoft.keyvault/vaults/delete'), 4);
    assert.equal(azureActivityId('Microsoft.Storage/storageAccounts/listKeys/action'), 2);
    assert.equal(azureActivityId('Microsoft.Storage/storageAccounts/regenerateKey/action'), 99);
    assert.equal(azureActivityId('GetBlob'), 2);
    assert.equal(azureActivityId('PutBlob'), 1);
    assert.equal(azureActivityId('DeleteBlob'), 4);
  });

  it('splits resource ids', () => {
    assert.deepEqual(
      parseResourceId('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct/blobServices/default/containers/c1'),
      { namespace: 'Microsoft.Storage', type: 'Microsoft.Storage/storageAccounts/blobServices/containers', name: 'c1' },
    );
    assert.deepEqual(parseResourceId('/subscriptions/s/resourceGroups/rg'), { namespace: null, type: 'resourceGroups', name: 'rg' });
    assert.deepEqual(parseResourceId('/providers/Microsoft.Authorization'), { namespace: 'Microsoft.Authorization', type: 'Microsoft.Authorization', name: null });
  });
});

describe('normalizeAzureActivity: other documented shapes', () => {
  // Written for these tests from the Activity Log schema documentation; identifiers are made up.
  const restDelete = {
    authorization: {
      action: 'Microsoft.Network/networkSecurityGroups/delete',
      scope: '/subscriptions/9f1e0000-0000-4000-8000-00000000f001/resourceGroups/web-rg/providers/Microsoft.Network/networkSecurityGroups/web-nsg',
    },
    caller: 'ops@example.org',
    category: { value: 'Administrative', localizedValue: 'Administrative' },
    eventTimestamp: '2025-04-02T09:15:00.1234567Z',
    resourceId: '/subscriptions/9f1e0000-0000-4000-8000-00000000f001/resourceGroups/web-rg/providers/Microsoft.Network/networkSecurityGroups/web-nsg',
    status: { value: 'Accepted', localizedValue: 'Accepted' },
    subStatus: { value: 'Accepted', localizedValue: 'Accepted (HTTP Status Code: 202)' },
  };

  it('takes the operation from authorization.action when operationName is absent, and marks the fallback', () => {
    const e = normalizeAzureActivity(restDelete);
    assert.equal(e.api.operation, 'MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/DELETE');
    assert.equal(e.api.service_name, 'MICROSOFT.NETWORK');
    assert.equal(e.activity_id, 4);
    assert.equal(e.status, 'Unknown', 'Accepted is not an outcome yet');
    assert.equal(e.metadata.log_name, 'Administrative');
    assert.equal(e.actor.user.uid, 'ops@example.org');
    assert.deepEqual((unmappedOf(e)._sluice as { fallbacks: string[] }).fallbacks, ['operation']);
  });

  it('prefers operationName over authorization.action, and reads identity.authorization.action too', () => {
    const e = normalizeAzureActivity({ ...restDelete, operationName: { value: 'Microsoft.Network/networkSecurityGroups/write' } });
    assert.equal(e.api.operation, 'MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/WRITE');
    const { authorization, ...noAuth } = restDelete;
    const nested = normalizeAzureActivity({ ...noAuth, identity: { authorization } });
    assert.equal(nested.api.operation, 'MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/DELETE');
    assertMalformed(() => normalizeAzureActivity({ ...noAuth, identity: { authorization: { action: '' } } }), /operationName is missing/);
  });

  it('parses properties written as JSON text, so the request body is reachable', () => {
    const e = normalizeAzureActivity({
      time: '2025-04-02T09:20:00Z',
      operationName: 'MICROSOFT.STORAGE/STORAGEACCOUNTS/WRITE',
      resultType: 'Success',
      category: 'Administrative',
      properties: JSON.stringify({ requestbody: '{"properties":{"supportsHttpsTrafficOnly":false}}', statusCode: 'OK' }),
    });
    const u = unmappedOf(e) as { properties: { requestbody: string } };
    assert.equal(JSON.parse(u.properties.requestbody).properties.supportsHttpsTrafficOnly, false);
    const text = normalizeAzureActivity({ time: '2025-04-02T09:20:00Z', operationName: 'GetBlob', properties: 'not json' });
    assert.equal((unmappedOf(text) as { properties: string }).properties, 'not json', 'other text is kept as written');
  });

  it('reads a storage statusText when nothing else gives the outcome', () => {
    const put = { time: '2025-04-02T09:30:00Z', operationName: 'PutBlob', category: 'StorageWrite', properties: { accountName: 'archive01' } };
    assert.equal(normalizeAzureActivity({ ...put, statusText: 'SASSuccess' }).status, 'Success');
    assert.equal(normalizeAzureActivity({ ...put, statusText: 'AuthorizationPermissionMismatch' }).status, 'Failure');
    assert.equal(normalizeAzureActivity(put).status, 'Unknown');
    assert.equal(normalizeAzureActivity({ ...put, statusCode: 403, statusText: 'Success' }).status, 'Failure', 'the HTTP code wins');
  });

  it('reads the claims of Key Vault AuditEvent records (identity.claim, singular)', () => {
    const e = normalizeAzureActivity({
      time: '2025-05-06T10:00:00.1234567Z',
      resourceId: '/SUBSCRIPTIONS/8C3D0000-0000-4000-8000-0000000000C8/RESOURCEGROUPS/SEC-RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/PROD-KV',
      operationName: 'SecretGet',
      category: 'AuditEvent',
      resultType: 'Success',
      resultSignature: 'OK',
      durationMs: '42',
      callerIpAddress: '203.0.113.88',
      identity: {
        claim: {
          'http://schemas.microsoft.com/identity/claims/objectidentifier': '4F1A0000-0000-4000-8000-0000000000F4',
          'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn': 'dev@example.org',
          appid: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
        },
      },
      properties: { id: 'https://prod-kv.vault.azure.net/secrets/app-secret/0123456789abcdef', httpStatusCode: 200 },
    });
    assert.equal(e.actor.user.uid, '4f1a0000-0000-4000-8000-0000000000f4');
    assert.equal(e.actor.user.name, 'dev@example.org');
    assert.equal(e.actor.user.type, 'User');
    assert.equal(e.actor.invoked_by, '04b07795-8ddb-461a-bbee-02f9e1bf7b46');
    assert.equal(e.api.operation, 'SecretGet');
    assert.equal(e.api.service_name, 'MICROSOFT.KEYVAULT');
    assert.equal(e.status, 'Success');
    assertMalformed(() => normalizeAzureActivity({ time: '2025-05-06T10:00:00Z', operationName: 'SecretGet', identity: { claim: 'x' } }), /identity\.claim must be an object, got a string/);
  });

  // Activity-log alert notifications, shaped after the documented webhook schemas; values made up.
  const legacyAlert = {
    schemaId: 'Microsoft.Insights/activityLogs',
    data: {
      status: 'Activated',
      context: {
        activityLog: {
          channels: 'Operation',
          claims: JSON.stringify({
            'http://schemas.microsoft.com/identity/claims/objectidentifier': '7b2a0000-0000-4000-8000-0000000000b7',
            'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn': 'admin@example.org',
            ipaddr: '203.0.113.61',
          }),
          caller: 'admin@example.org',
          correlationId: '1d2e0000-0000-4000-8000-0000000000d1',
          eventSource: 'Administrative',
          eventTimestamp: '2025-06-04T11:12:13.456+00:00',
          eventDataId: '2f3a0000-0000-4000-8000-0000000000f2',
          level: 'Informational',
          operationName: 'Microsoft.Authorization/locks/delete',
          operationId: '3a4b0000-0000-4000-8000-0000000000a3',
          resourceId: '/subscriptions/9a8b0000-0000-4000-8000-0000000000b9/resourceGroups/data-rg/providers/Microsoft.Authorization/locks/keep',
          resourceGroupName: 'data-rg',
          resourceProviderName: 'Microsoft.Authorization',
          status: 'Succeeded',
          subStatus: '',
          subscriptionId: '9a8b0000-0000-4000-8000-0000000000b9',
          submissionTimestamp: '2025-06-04T11:12:30.000+00:00',
          resourceType: 'Microsoft.Authorization/locks',
        },
      },
      properties: {},
    },
  };

  it('reads the event inside a legacy activity-log alert notification', () => {
    const e = normalizeAzureActivity(legacyAlert);
    assert.equal(e.api.operation, 'MICROSOFT.AUTHORIZATION/LOCKS/DELETE');
    assert.equal(e.status, 'Success');
    assert.equal(e.metadata.log_name, 'Administrative', 'eventSource is the category');
    assert.equal(e.metadata.uid, '2f3a0000-0000-4000-8000-0000000000f2');
    assert.equal(e.actor.user.uid, '7b2a0000-0000-4000-8000-0000000000b7', 'claims parsed from their JSON text');
    assert.deepEqual(e.src_endpoint, { ip: '203.0.113.61', domain: null });
    assert.equal(e.cloud.account_uid, '9a8b0000-0000-4000-8000-0000000000b9');
    assert.equal(e.time, Date.UTC(2025, 5, 4, 11, 12, 13, 456));
    assert.deepEqual(JSON.parse(e.raw_data ?? 'null'), legacyAlert, 'raw_data is the notification as received');
    assert.ok(sniffAzureActivity(legacyAlert));
  });

  it('reads the common alert schema (Activity Log - Administrative), taking the resource from the alert target', () => {
    const common = {
      schemaId: 'azureMonitorCommonAlertSchema',
      data: {
        essentials: {
          alertId: '/subscriptions/9a8b0000-0000-4000-8000-0000000000b9/providers/Microsoft.AlertsManagement/alerts/4c5d0000-0000-4000-8000-0000000000c4',
          signalType: 'Activity Log',
          monitoringService: 'Activity Log - Administrative',
          alertTargetIDs: ['/subscriptions/9a8b0000-0000-4000-8000-0000000000b9/resourcegroups/data-rg/providers/microsoft.storage/storageaccounts/archive01'],
        },
        alertContext: {
          authorization: { action: 'Microsoft.Storage/storageAccounts/delete', scope: '/subscriptions/9a8b0000-0000-4000-8000-0000000000b9/resourcegroups/data-rg/providers/microsoft.storage/storageaccounts/archive01' },
          channels: 'Operation',
          claims: 'not-json',
          caller: 'admin@example.org',
          eventSource: 'Administrative',
          eventTimestamp: '2025-06-04T11:20:00.000+00:00',
          operationName: 'Microsoft.Storage/storageAccounts/delete',
          status: 'Succeeded',
          subStatus: '',
        },
      },
    };
    const e = normalizeAzureActivity(common);
    assert.equal(e.api.operation, 'MICROSOFT.STORAGE/STORAGEACCOUNTS/DELETE');
    assert.equal(e.status, 'Success');
    assert.equal(e.actor.user.uid, 'admin@example.org');
    assert.equal(e.resources[0]?.name, 'archive01');
    assert.equal(e.cloud.account_uid, '9a8b0000-0000-4000-8000-0000000000b9');
    assert.equal(unmappedOf(e).claimsText, 'not-json', 'claims that are not JSON are kept, not dropped');
    assert.ok(sniffAzureActivity(common));
    const metric = { ...common, data: { ...common.data, essentials: { ...common.data.essentials, monitoringService: 'Platform' } } };
    assert.equal(sniffAzureActivity(metric), false, 'a metric alert carries no activity event');
  });
});

describe('normalizeAzureActivity: one operation in the three documented forms (test/fixtures/azure/docs-forms.json)', () => {
  const forms = JSON.parse(readFileSync(new URL('../../../test/fixtures/azure/docs-forms.json', import.meta.url), 'utf8')) as {
    export: Record<string, unknown>;
    rest: { value: Record<string, unknown>[] };
    logAnalytics: Record<string, unknown>;
  };
  const events = { export: normalizeAzureActivity(forms.export), rest: normalizeAzureActivity(forms.rest.value[0]), logAnalytics: normalizeAzureActivity(forms.logAnalytics) };

  it('reads the category from properties.eventCategory when category is the operation type (Write/Delete/Action)', () => {
    assert.equal(events.export.metadata.log_name, 'Administrative');
    const noEventCategory = { ...forms.export, properties: { statusCode: 'Created' } };
    assert.equal(normalizeAzureActivity(noEventCategory).metadata.log_name, 'Administrative');
    assert.equal(normalizeAzureActivity({ ...forms.export, category: 'Security' }).metadata.log_name, 'Security');
  });

  for (const [name, e] of Object.entries(events)) {
    it(`${name}: the same operation, outcome, principal, category, subscription and address`, () => {
      assert.equal(e.api.operation, 'MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/SECURITYRULES/WRITE');
      assert.equal(e.api.service_name, 'MICROSOFT.NETWORK');
      assert.equal(e.activity_id, 1);
      assert.equal(e.status, 'Success');
      assert.equal(e.status_code, name === 'export' ? 'Succeeded.Created' : 'Created');
      assert.equal(e.actor.user.uid, '3e9a0000-0000-4000-8000-0000000000a7');
      assert.equal(e.actor.user.type, 'User');
      assert.equal(e.actor.user.account_uid, '6b2d0000-0000-4000-8000-0000000000e5');
      assert.equal(e.actor.session?.is_mfa, true);
      assert.equal(e.metadata.log_name, 'Administrative');
      assert.equal(e.cloud.account_uid, '5a1c0000-0000-4000-8000-0000000000f1');
      assert.equal(e.src_endpoint.ip, '198.51.100.61');
      assert.equal(e.resources[0]?.type?.toLowerCase(), 'microsoft.network/networksecuritygroups/securityrules');
      assert.equal(e.resources[0]?.name?.toLowerCase(), 'allow-rdp');
    });
  }
});

describe('normalizeAzureActivity: activity-log alert notifications write httpRequest as JSON text', () => {
  const alert = {
    schemaId: 'azureMonitorCommonAlertSchema',
    data: {
      essentials: {
        signalType: 'Activity Log',
        monitoringService: 'Activity Log - Administrative',
        alertTargetIDs: ['/subscriptions/9a8b0000-0000-4000-8000-0000000000b9/resourcegroups/apps-rg/providers/microsoft.containerinstance/containergroups/worker'],
      },
      alertContext: {
        caller: 'ops@example.org',
        eventSource: 'Administrative',
        eventTimestamp: '2025-06-04T12:05:22.0029288+00:00',
        httpRequest: '{"clientRequestId":"8a990000-0000-4000-8000-0000000000e8","clientIpAddress":"203.0.113.88","method":"POST"}',
        level: 'Informational',
        operationName: 'Microsoft.ContainerInstance/containerGroups/restart/action',
        status: 'Succeeded',
        subStatus: '',
      },
    },
  };

  it('reads the caller address and request id from the text, and keeps it parsed in unmapped', () => {
    const e = normalizeAzureActivity(alert);
    assert.deepEqual(e.src_endpoint, { ip: '203.0.113.88', domain: null });
    assert.equal(e.api.request_uid, '8a990000-0000-4000-8000-0000000000e8');
    assert.deepEqual((unmappedOf(e).httpRequest as Record<string, unknown>).method, 'POST');
  });

  it('keeps httpRequest text that is not JSON in unmapped instead of rejecting the record', () => {
    const odd = { ...alert, data: { ...alert.data, alertContext: { ...alert.data.alertContext, httpRequest: 'n/a' } } };
    const e = normalizeAzureActivity(odd);
    assert.equal(e.src_endpoint.ip, null);
    assert.equal(unmappedOf(e).httpRequest, 'n/a');
  });
});
