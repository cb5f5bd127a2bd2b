/**
 * The SDK's public type names. Each is an alias of a type generated from the service's OpenAPI document
 * (`src/generated/openapi.ts`), never a hand copy, so a contract change shows up here as a compile error.
 */
import type { operations } from './generated/openapi';

type JsonBody<T> = T extends { content: { 'application/json': infer B } } ? B : never;

/** The answer of `verify`: `valid` and a `code` saying why, plus the key's details and remaining limits. */
export type VerifyResult = JsonBody<operations['postV1Verify']['responses'][200]>;
/** Why a verification answered as it did (`VALID`, `INVALID`, `REVOKED`, `RATE_LIMITED`, …). */
export type VerifyCode = VerifyResult['code'];
/** What a verification may say about the request besides the key: `ip`, `resource`, `scopes`, `cost`, `endpoint`. */
export type VerifyOptions = Omit<JsonBody<operations['postV1Verify']['requestBody']>, 'key'>;
