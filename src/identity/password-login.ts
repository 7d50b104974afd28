import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { emailSchema } from '../config/schema.ts';
import { AppError } from '../shared/app-error.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { verifyPassword } from './passwords.ts';

export interface PasswordLoginInput {
  email: string;
  password: string;
  ip: string | undefined;
}

const WRONG = 'The email or password is incorrect. Check both and try again; after several failures sign-in is paused for a while.';

/**
 * Checks the throttle before the password, so a locked account costs an attacker nothing to learn and
 * us no hashing; answers the same for an unknown email and a wrong password.
 */
export async function verifyPasswordLogin(db: Kysely<DB>, throttle: LoginThrottle, input: PasswordLoginInput): Promise<{ userId: string }> {
  const parsed = emailSchema.safeParse(input.email);
  const account = parsed.success ? parsed.data : input.email.trim().toLowerCase().slice(0, 320);
  const verdict = await throttle.check(account, input.ip);
  if (!verdict.allowed) {
    throw new AppError(429, 'too_many_attempts', `Too many failed sign-in attempts. Wait ${verdict.retryAfterSeconds} seconds and try again, or sign in with single sign-on if your organization uses it.`, {
      retryAfterSeconds: verdict.retryAfterSeconds,
    });
  }
  const user = parsed.success ? await db.selectFrom('users').select(['id', 'password_hash', 'disabled_at']).where('email', '=', account).executeTakeFirst() : undefined;
  const ok = await verifyPassword(user?.password_hash, input.password);
  if (!ok || !user) {
    await throttle.recordFailure(account, input.ip);
    throw new AppError(401, 'invalid_credentials', WRONG);
  }
  if (user.disabled_at) throw new AppError(403, 'account_disabled', 'This account is disabled. Ask your Switchboard operator or an organization owner to enable it.');
  await throttle.recordSuccess(account);
  return { userId: user.id };
}
