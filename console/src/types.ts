// API shapes, taken from the SDK's generated OpenAPI types (types only: nothing of the SDK runs here).
import type { components } from '../../sdk/src/generated/openapi';

type Schemas = components['schemas'];
export type Key = Schemas['Key'];
export type KeyDetails = Schemas['KeyDetails'];
export type KeyList = Schemas['KeyList'];
export type CreateKeyRequest = Schemas['CreateKeyRequest'];
export type UpdateKeyRequest = Schemas['UpdateKeyRequest'];
export type CreatedKey = Schemas['CreatedKey'];
export type QuotaPolicy = Schemas['QuotaPolicy'];
export type QuotaPolicyList = Schemas['QuotaPolicyList'];
export type CreateQuotaPolicyRequest = Schemas['CreateQuotaPolicyRequest'];
export type Workspace = Schemas['Workspace'];
export type UpdateWorkspaceRequest = Schemas['UpdateWorkspaceRequest'];
export type AuditEvent = Schemas['AuditEvent'];
export type AuditEventList = Schemas['AuditEventList'];
export type RequestLog = Schemas['RequestLog'];
export type RequestLogList = Schemas['RequestLogList'];
export type BulkResponse = Schemas['BulkResponse'];
export type Quota = Schemas['Quota'];
export type RateLimit = Schemas['RateLimit'];
export type Credits = Schemas['Credits'];
export type VerifyCode = Schemas['VerifyResult']['code'];

export const VERIFY_CODES: VerifyCode[] = [
  'VALID', 'RATE_LIMITED', 'QUOTA_EXCEEDED', 'PLAN_RATE_LIMITED', 'FORBIDDEN', 'IP_NOT_ALLOWED',
  'IP_BLOCKED', 'EXPIRED', 'DISABLED', 'REVOKED', 'INVALID',
];

export type Session = Schemas['Session'];
export type Operator = Schemas['Operator'];
export type RootKey = Schemas['RootKey'];
export type CreatedRootKey = Schemas['CreatedRootKey'];
export type SetupTokenStatus = Schemas['SetupTokenStatus'];
export type Usage = Schemas['KeyUsage'];
export type Role = Operator['role'];
export type RootScope = RootKey['scopes'][number];

export const ROLES: Role[] = ['owner', 'admin', 'developer', 'viewer'];
export const ROOT_SCOPES: RootScope[] = ['keys:read', 'keys:write', 'keys:verify', 'policies:write', 'workspaces:admin', 'operators:admin'];
