/** The environment of an API key; it is part of the secret's text and cannot change after creation. */
export enum Environment {
  /** Live traffic (`acme_live_…`). */
  PRODUCTION = 'production',
  /** Preview deployments. */
  PREVIEW = 'preview',
  /** Development and tests. */
  DEVELOPMENT = 'development',
}

/** An environment given as the enum or as its plain string value (`'production'`). */
export type EnvironmentName = Environment | `${Environment}`;

/** Every environment, in the order messages list them. */
export const ENVIRONMENTS: readonly string[] = Object.values(Environment);
