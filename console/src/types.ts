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

export type Role = 'owner' | 'admin' | 'developer' | 'viewer';
export const ROLES: Role[] = ['owner', 'admin', 'developer', 'viewer'];

// The operator and root-key shapes of the console contract (added to the OpenAPI document with the routes).
export interface Session {
  operator: { id: string; email: string; name: string };
  workspace: { id: string; slug: string };
  role: Role;
  scopes: string[];
  workspaces: { slug: string; role: Role }[];
  csrfToken: string;
  expiresAt: string;
}

export interface Operator {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
  lastLoginAt: string | null;
}

export const ROOT_SCOPES = ['keys:read', 'keys:write', 'keys:verify', 'policies:write', 'workspaces:admin', 'operators:admin'] as const;

export interface RootKey {
  id: string;
  name: string;
  scopes: string[];
  start: string;
  status: 'active' | 'revoked';
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
}

export interface Usage {
  window: '24h' | '7d' | '30d';
  granularity: 'hour' | 'day';
  buckets: { start: string; counts: Partial<Record<VerifyCode, number>> }[];
}
