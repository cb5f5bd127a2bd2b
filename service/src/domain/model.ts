/** The domain's nouns, as services hand them out. Times are Dates; absent optional settings are null. */

export const ENVIRONMENTS = ['production', 'preview', 'development'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** The env part of a secret's text for each environment. */
export const SECRET_ENV: Record<Environment, 'live' | 'prev' | 'dev'> = {
  production: 'live',
  preview: 'prev',
  development: 'dev',
};

export const KEY_STATUSES = ['active', 'disabled', 'expired', 'revoked'] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];
/** What is stored; `expired` is derived from `expiresAt` and the clock. */
export type StoredKeyState = Exclude<KeyStatus, 'expired'>;
/** What a key list can filter on (every status; `active` and `expired` depend on the clock). */
export type KeyStatusFilter = KeyStatus;

export const ROOT_SCOPES = ['keys:read', 'keys:write', 'keys:verify', 'policies:write', 'workspaces:admin', 'operators:admin'] as const;
export type RootScope = (typeof ROOT_SCOPES)[number];

/** An operator's role in a workspace; each is a set of root-key scopes, so there is one authorisation model. */
export const OPERATOR_ROLES = ['owner', 'admin', 'developer', 'viewer'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

export const ROLE_SCOPES: Record<OperatorRole, readonly RootScope[]> = {
  owner: ['keys:read', 'keys:write', 'keys:verify', 'policies:write', 'workspaces:admin', 'operators:admin'],
  admin: ['keys:read', 'keys:write', 'keys:verify', 'policies:write', 'workspaces:admin'],
  developer: ['keys:read', 'keys:write', 'keys:verify'],
  viewer: ['keys:read'],
};

export const QUOTA_WINDOWS = ['total', 'daily', 'weekly', 'monthly'] as const;
export type QuotaWindow = (typeof QUOTA_WINDOWS)[number];
/** Rolling window lengths; `total` is all time. */
export const QUOTA_WINDOW_SECONDS: Record<Exclude<QuotaWindow, 'total'>, number> = {
  daily: 24 * 3600,
  weekly: 7 * 24 * 3600,
  monthly: 30 * 24 * 3600,
};

export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { limit: 60, windowSeconds: 60 };

/** The longest a rotated-out secret may stay valid: 30 days. */
export const MAX_OVERLAP_SECONDS = 30 * 86400;

export type Quota = Partial<Record<QuotaWindow, number>>;

export interface CreditRefill {
  amount: number;
  intervalSeconds: number;
}

export interface Credits {
  remaining: number;
  refill?: CreditRefill;
}

/** The limit settings a key or a policy can carry; null = not set here. */
export interface LimitSettings {
  rateLimit: RateLimit | null;
  quota: Quota | null;
  credits: Credits | null;
}

export interface ApiKey extends LimitSettings {
  id: string;
  workspaceId: string;
  name: string;
  environment: Environment;
  tags: string[];
  group: string;
  scopes: string[];
  resources: string[];
  ipAllowlist: string[];
  expiresAt: Date | null;
  quotaPolicyId: string | null;
  metadata: Record<string, unknown> | null;
  status: KeyStatus;
  /** Masked secret, e.g. `acme_live_Ab3x…9fQ2`. */
  start: string;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  lastUsedAt: Date | null;
  lastRotatedAt: Date | null;
  usageCount: number;
  /** Increases with every change; `If-Match` compares against it. */
  version: number;
}

/** A key as the repository returns it: the stored state, before the clock decides whether it expired. */
export type StoredApiKey = Omit<ApiKey, 'status'> & { state: StoredKeyState };

export interface QuotaPolicy extends LimitSettings {
  id: string;
  workspaceId: string;
  name: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export interface FailedAuthPolicy {
  maxFailures: number;
  windowSeconds: number;
  blockSeconds: number;
}

export const DEFAULT_FAILED_AUTH_POLICY: FailedAuthPolicy = { maxFailures: 20, windowSeconds: 300, blockSeconds: 900 };

export interface Workspace {
  id: string;
  slug: string;
  name: string;
  maxActiveKeys: number | null;
  planLimits: { perSecond: number | null; perMinute: number | null };
  creditBalance: number | null;
  failedAuthPolicy: FailedAuthPolicy;
  createdAt: Date;
}

export interface RootKey {
  id: string;
  workspaceId: string;
  name: string;
  scopes: RootScope[];
  start: string;
  createdAt: Date;
  /** `root_key:rk_…`, `cli:…`, `system:…`; null for root keys made before this was recorded. */
  createdBy: string | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** Who made a change: a root key or a signed-in operator (over HTTP), or someone at the CLI. */
export interface Actor {
  type: 'root_key' | 'operator' | 'cli' | 'system';
  id: string;
  /** An operator's email, kept in the audit trail next to its id. */
  email?: string;
}

/** A person who signs in to the console, as a workspace sees them. */
export interface Operator {
  id: string;
  email: string;
  name: string;
  role: OperatorRole;
  createdAt: Date;
  lastLoginAt: Date | null;
}

/** The workspace and actor a service call acts for. */
export interface Caller {
  workspaceId: string;
  actor: Actor;
  requestId?: string;
}

export type AuditTargetType = 'key' | 'quota_policy' | 'root_key' | 'workspace' | 'operator';

export interface AuditEvent {
  id: string;
  workspaceId: string;
  action: string;
  targetType: AuditTargetType;
  targetId: string;
  keyId: string | null;
  actor: Actor;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  requestId: string | null;
  createdAt: Date;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}
