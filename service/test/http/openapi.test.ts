import { Validator } from '@seriousme/openapi-schema-validator';
import { expect } from 'chai';
import { Harness, json } from '../helpers/harness';

/** The contract the SDK is generated from: these names are its method and type names. */
const OPERATIONS: Record<string, string> = {
  getHealth: 'get /healthz',
  getReadiness: 'get /readyz',
  createKey: 'post /v1/keys',
  listKeys: 'get /v1/keys',
  getKey: 'get /v1/keys/{id}',
  updateKey: 'patch /v1/keys/{id}',
  deleteKey: 'delete /v1/keys/{id}',
  disableKey: 'post /v1/keys/{id}/disable',
  enableKey: 'post /v1/keys/{id}/enable',
  revokeKey: 'post /v1/keys/{id}/revoke',
  rotateKey: 'post /v1/keys/{id}/rotate',
  bulkKeyAction: 'post /v1/keys/bulk',
  listKeyLogs: 'get /v1/keys/{id}/logs',
  createQuotaPolicy: 'post /v1/quota-policies',
  listQuotaPolicies: 'get /v1/quota-policies',
  getQuotaPolicy: 'get /v1/quota-policies/{id}',
  updateQuotaPolicy: 'patch /v1/quota-policies/{id}',
  deleteQuotaPolicy: 'delete /v1/quota-policies/{id}',
  listAuditEvents: 'get /v1/audit-events',
  getWorkspace: 'get /v1/workspace',
  updateWorkspace: 'patch /v1/workspace',
  verifyKey: 'post /v1/verify',
  listRootKeys: 'get /v1/root-keys',
  createRootKey: 'post /v1/root-keys',
  revokeRootKey: 'post /v1/root-keys/{id}/revoke',
  getKeyUsage: 'get /v1/keys/{id}/usage',
  login: 'post /v1/auth/login',
  getSession: 'get /v1/auth/session',
  logout: 'post /v1/auth/logout',
  changePassword: 'post /v1/auth/password',
  checkSetupToken: 'get /v1/auth/setup',
  setupFirstOwner: 'post /v1/auth/setup',
  listOperators: 'get /v1/operators',
  addOperator: 'post /v1/operators',
  updateOperator: 'patch /v1/operators/{id}',
  removeOperator: 'delete /v1/operators/{id}',
};

const COMPONENTS = [
  'Key', 'KeyDetails', 'CreatedKey', 'RotatedKey', 'KeyList', 'CreateKeyRequest', 'UpdateKeyRequest', 'RotateRequest', 'BulkRequest',
  'BulkResponse', 'RequestLog', 'RequestLogList', 'QuotaPolicy', 'QuotaPolicyList', 'CreateQuotaPolicyRequest', 'UpdateQuotaPolicyRequest',
  'AuditEvent', 'AuditEventList', 'Workspace', 'UpdateWorkspaceRequest', 'VerifyRequest', 'VerifyResult', 'RateLimit', 'Quota', 'Credits',
  'Error', 'Health', 'Ready', 'RootKey', 'RootKeyList', 'CreateRootKeyRequest', 'CreatedRootKey', 'KeyUsage', 'UsageBucket', 'UsageCounts',
  'Error', 'Health', 'Ready', 'Session', 'LoginRequest', 'SetupRequest', 'ChangePasswordRequest', 'SetupTokenStatus', 'Operator', 'OperatorList',
  'AddOperatorRequest', 'UpdateOperatorRequest',
];

/** Every status each call can answer. Authenticated calls: 401, 403, 429, 500, 503; the rest by what the call takes. */
const AUTHED = ['401', '403', '429', '500', '503'];
const BODY = ['400', '408', '413', '415'];
const STATUSES: Record<string, string[]> = {
  getHealth: ['200', '500'],
  getReadiness: ['200', '500', '503'],
  createKey: ['201', ...BODY, ...AUTHED, '409'],
  listKeys: ['200', '400', ...AUTHED],
  getKey: ['200', '400', ...AUTHED, '404'],
  updateKey: ['200', ...BODY, ...AUTHED, '404', '409', '412'],
  deleteKey: ['204', ...BODY, ...AUTHED, '404', '409'],
  disableKey: ['200', ...BODY, ...AUTHED, '404', '409'],
  enableKey: ['200', ...BODY, ...AUTHED, '404', '409'],
  revokeKey: ['200', ...BODY, ...AUTHED, '404'],
  rotateKey: ['200', ...BODY, ...AUTHED, '404', '409'],
  bulkKeyAction: ['200', ...BODY, ...AUTHED],
  listKeyLogs: ['200', '400', ...AUTHED, '404'],
  getKeyUsage: ['200', '400', ...AUTHED, '404'],
  listRootKeys: ['200', ...AUTHED],
  createRootKey: ['201', ...BODY, ...AUTHED],
  revokeRootKey: ['200', ...BODY, ...AUTHED, '404'],
  createQuotaPolicy: ['201', ...BODY, ...AUTHED, '409'],
  listQuotaPolicies: ['200', '400', ...AUTHED],
  getQuotaPolicy: ['200', '400', ...AUTHED, '404'],
  updateQuotaPolicy: ['200', ...BODY, ...AUTHED, '404', '409', '412'],
  deleteQuotaPolicy: ['204', ...BODY, ...AUTHED, '404', '409'],
  listAuditEvents: ['200', '400', ...AUTHED],
  getWorkspace: ['200', ...AUTHED],
  updateWorkspace: ['200', ...BODY, ...AUTHED],
  verifyKey: ['200', ...BODY, ...AUTHED],
  login: ['200', ...BODY, '401', '429', '500'],
  getSession: ['200', '401', '429', '500', '503'],
  logout: ['204', ...BODY, ...AUTHED],
  changePassword: ['204', ...BODY, ...AUTHED],
  checkSetupToken: ['200', '400', '404', '500'],
  setupFirstOwner: ['201', ...BODY, '404', '409', '500'],
  listOperators: ['200', ...AUTHED],
  addOperator: ['201', ...BODY, ...AUTHED, '409'],
  updateOperator: ['200', ...BODY, ...AUTHED, '404', '409'],
  removeOperator: ['204', ...BODY, ...AUTHED, '404', '409'],
};

type Operation = {
  operationId: string;
  requestBody?: { required: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }>; headers?: Record<string, { required?: boolean }> }>;
};
type Schema = Record<string, any>;

describe('GET /openapi.json', () => {
  let h: Harness;
  let doc: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };
  const operations = (): Array<[string, Operation]> =>
    Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => [`${method} ${path}`, op] as [string, Operation]));
  const byId = (id: string): Operation => operations().find(([, op]) => op.operationId === id)![1];
  const refOf = (schema: Schema | undefined): string | undefined => schema?.$ref?.replace('#/components/schemas/', '');

  before(async () => {
    h = await Harness.start('sqlite');
    doc = json(await h.inject('GET', '/openapi.json', { as: null }));
  });
  after(() => h.stop());

  it('is a valid OpenAPI 3 document', async () => {
    const result = await new Validator().validate(doc as unknown as Record<string, unknown>);
    expect(result.errors, JSON.stringify(result.errors)).to.equal(undefined);
    expect(result.valid).to.equal(true);
  });

  it('names every call by its fixed operationId, and every api route in the server has one', () => {
    expect(Object.fromEntries(operations().map(([route, op]) => [op.operationId, route]))).to.deep.equal(OPERATIONS);
    const apiRoutes = h.server.table().filter((route) => (route.settings.tags ?? []).includes('api'));
    expect(apiRoutes.map((route) => `${route.method} ${route.path}`).sort()).to.deep.equal(Object.values(OPERATIONS).sort());
    for (const route of apiRoutes) expect(route.settings.id, `${route.method} ${route.path}`).to.equal(byId(route.settings.id!).operationId);
  });

  it('gives every shape a client sees its component name', () => {
    expect(doc.components.schemas).to.include.all.keys(COMPONENTS);
    const success = (id: string, status: string) => refOf(byId(id).responses[status]!.content!['application/json']!.schema);
    const request = (id: string) => byId(id).requestBody!.content['application/json']!.schema;
    expect(success('createKey', '201')).to.equal('CreatedKey');
    expect(success('rotateKey', '200')).to.equal('RotatedKey');
    expect(success('getKey', '200')).to.equal('KeyDetails');
    expect(success('updateKey', '200')).to.equal('Key');
    expect(success('listKeys', '200')).to.equal('KeyList');
    expect(success('listKeyLogs', '200')).to.equal('RequestLogList');
    expect(success('listQuotaPolicies', '200')).to.equal('QuotaPolicyList');
    expect(success('listAuditEvents', '200')).to.equal('AuditEventList');
    expect(success('getWorkspace', '200')).to.equal('Workspace');
    expect(success('verifyKey', '200')).to.equal('VerifyResult');
    expect(success('bulkKeyAction', '200')).to.equal('BulkResponse');
    expect(success('listRootKeys', '200')).to.equal('RootKeyList');
    expect(success('createRootKey', '201')).to.equal('CreatedRootKey');
    expect(success('revokeRootKey', '200')).to.equal('RootKey');
    expect(success('getKeyUsage', '200')).to.equal('KeyUsage');
    expect(refOf(request('createRootKey'))).to.equal('CreateRootKeyRequest');
    expect(success('getHealth', '200')).to.equal('Health');
    expect(success('getReadiness', '503')).to.equal('Ready');
    expect(refOf(request('createKey'))).to.equal('CreateKeyRequest');
    expect(refOf(request('verifyKey'))).to.equal('VerifyRequest');
    expect(refOf(request('rotateKey').allOf?.[0])).to.equal('RotateRequest');
    expect(doc.components.schemas.KeyList!.properties.items.items).to.deep.equal({ $ref: '#/components/schemas/Key' });
    expect(doc.components.schemas.Key!.properties.rateLimit).to.deep.equal({ allOf: [{ $ref: '#/components/schemas/RateLimit' }], nullable: true });
  });

  it('lists every status each call can answer, with the error body and its headers', () => {
    for (const [route, op] of operations()) {
      expect(Object.keys(op.responses).sort(), `${op.operationId} (${route})`).to.deep.equal([...STATUSES[op.operationId]!].sort());
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) >= 400 && op.operationId !== 'getReadiness') {
          expect(refOf(response.content?.['application/json']?.schema), `${op.operationId} ${status}`).to.equal('Error');
        }
      }
      if (op.responses['429']) expect(op.responses['429'].headers?.['Retry-After']?.required).to.equal(true);
      if (op.responses['503'] && op.operationId !== 'getReadiness') expect(op.responses['503'].headers?.['Retry-After']?.required).to.equal(true);
      if (op.responses['401']) expect(op.responses['401'].headers?.['WWW-Authenticate']?.required).to.equal(true);
    }
  });

  it('marks a request body required only where an empty one is refused', () => {
    for (const id of ['disableKey', 'enableKey', 'revokeKey', 'rotateKey']) expect(byId(id).requestBody?.required, id).to.equal(false);
    for (const id of ['createKey', 'updateKey', 'bulkKeyAction', 'createQuotaPolicy', 'updateQuotaPolicy', 'updateWorkspace', 'verifyKey']) {
      expect(byId(id).requestBody?.required, id).to.equal(true);
    }
  });

  it('keeps optional request fields optional and types every property, free-form only where metadata is', () => {
    expect(doc.components.schemas.CreateKeyRequest!.required).to.deep.equal(['name']);
    expect(doc.components.schemas.RotateRequest!.required ?? []).to.deep.equal([]);
    const freeForm: string[] = [];
    const untyped: string[] = [];
    const walk = (schema: Schema, at: string): void => {
      if (schema.additionalProperties === true) freeForm.push(at);
      if (!schema.type && !schema.$ref && !schema.allOf && !schema.oneOf && !schema.anyOf) untyped.push(at);
      for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) walk(property, `${at}.${name}`);
      if (schema.items) walk(schema.items as Schema, `${at}[]`);
      for (const member of [...(schema.oneOf ?? []), ...(schema.anyOf ?? [])] as Schema[]) walk(member, `${at}|`);
    };
    for (const [name, schema] of Object.entries(doc.components.schemas)) walk(schema, name);
    expect(untyped).to.deep.equal([]);
    expect(freeForm.every((at) => /\.(metadata|before|after)$/.test(at)), freeForm.join(', ')).to.equal(true);
  });
});
