/**
 * Tests that need a real external service use `needs()`: without the service the test is skipped with
 * the reason, unless REQUIRE_SERVICES=1 (CI), where a missing service fails the run instead.
 */
export const REQUIRE_SERVICES = process.env.REQUIRE_SERVICES === '1';

export function needs(variable: 'DATABASE_URL' | 'REDIS_URL'): { skip: boolean; reason: string } {
  const present = Boolean(process.env[variable]);
  if (!present && REQUIRE_SERVICES) {
    throw new Error(`REQUIRE_SERVICES=1 but ${variable} is not set: this test needs the real service. Set ${variable} (see .ci/run).`);
  }
  return { skip: !present, reason: present ? '' : `skipped: set ${variable} to run against the real service` };
}
