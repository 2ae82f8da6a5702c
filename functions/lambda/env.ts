/** Thrown at cold start when the stack did not set an environment variable a function needs. */
export class MissingEnvironmentError extends Error {
  override readonly name = 'MissingEnvironmentError';
}

/**
 * Reads a required environment variable. Throws rather than falling back to a default, so a
 * misconfigured function fails loudly at cold start instead of writing to the wrong place.
 */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new MissingEnvironmentError(`Environment variable ${name} is not set; the CDK construct that binds it is missing`);
  }
  return value;
}
