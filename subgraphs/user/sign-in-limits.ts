import { rateLimits, type RateLimits } from '../../lib/rate-limits.js';

/**
 * The limits on register and login for one request (issue 13): RATE_LIMIT_AUTH_PER_IP per client
 * address (from the gateway's signed context) and RATE_LIMIT_LOGIN_PER_MOBILE failed logins per
 * mobile. Both are checked before any work, so a refused call hashes no password and writes nothing.
 */
export class SignInLimits {
  /** No limits: the seeder, and service calls (which carry no client address). */
  static readonly none = new SignInLimits(null, null);

  constructor(
    private readonly clientIp: string | null,
    private readonly limits: Pick<RateLimits, 'authPerIp' | 'failedLoginPerMobile'> | null = rateLimits(),
  ) {}

  async beforeRegister(): Promise<void> {
    if (this.clientIp) await this.limits?.authPerIp.consume(this.clientIp);
  }

  /**
   * A login is counted as failed before its password is checked and given back once it proves
   * right, so parallel guesses all count at once and successful logins never count. A mobile
   * that is not a mobile number cannot sign in and is left to the per-address limit.
   */
  async beforeLogin(mobile: string, isMobile: boolean): Promise<void> {
    if (this.clientIp) await this.limits?.authPerIp.consume(this.clientIp);
    if (isMobile) await this.limits?.failedLoginPerMobile.consume(mobile);
  }

  async loginSucceeded(mobile: string): Promise<void> {
    await this.limits?.failedLoginPerMobile.refund(mobile);
  }
}
