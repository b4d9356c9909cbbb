/**
 * Every admin key and JWT secret the repository shows as an example (`.env.example`, the README,
 * the docs, the OpenAPI examples): anyone can read them, so start-up refuses them. A test scans
 * those files for such values, so a new example cannot be added without landing here too.
 */
export const SHIPPED_SECRETS: readonly string[] = [
  // .env.example
  'change-me-to-a-long-random-key',
  'change-me-to-at-least-32-random-characters-please',
  'change-me-too',
  // the login example of the OpenAPI document
  'your-admin-key',
];

export const MIN_ADMIN_KEY_LENGTH = 16;
export const MIN_JWT_SECRET_LENGTH = 32;

/** Why a secret must not be used, or undefined when it may. */
export function unsafeSecret(value: string, minLength: number): string | undefined {
  if (SHIPPED_SECRETS.includes(value)) {
    return 'is an example value shipped with this project: generate your own (openssl rand -hex 32)';
  }
  if (value.length < minLength) return `must be at least ${minLength} characters long`;
  return undefined;
}
