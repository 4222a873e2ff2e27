import { createHash } from 'node:crypto';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { RedisConnection } from '@leadrelay/queue';
import { AppError } from './app-error.ts';
import { InProcessWindowCounters } from './in-process-window-counters.ts';

export interface FailedLoginLimiterOptions {
  redis: RedisConnection;
  /** Redis key prefix of the counters, e.g. `<QUEUE_PREFIX>:admin-auth-failures:`. */
  keyPrefix: string;
  /** Failed logins one client IP may make per window before it is answered 429. */
  limit: number;
  windowMs: number;
  /** What is logged in, for messages: "admin", "subscriber". */
  what: string;
  /** The 401's message: which credential is expected, and how. */
  unauthorizedMessage: string;
  log: FastifyBaseLogger;
}

/**
 * Counts failed logins per client IP and refuses them: 401, or 429 with Retry-After past the limit.
 * Only failures are counted, in Redis so that every instance agrees; a correct credential is never
 * refused, even from an IP over the limit, so an attacker sharing someone's IP cannot lock them
 * out. While Redis cannot count (down, or answering errors) failures are counted in this process
 * with the same limit and window, so guesses are still answered 401 and 429, never 500 and never
 * unlimited; each instance then limits on its own until Redis answers again.
 */
export class FailedLoginLimiter {
  readonly #options: FailedLoginLimiterOptions;
  readonly #inProcess: InProcessWindowCounters;
  #countingInProcess = false;

  constructor(options: FailedLoginLimiterOptions) {
    this.#options = options;
    this.#inProcess = new InProcessWindowCounters(options.windowMs);
  }

  /** Counts a failed login from the request's IP and throws: 401, or 429 past the limit (Retry-After set when `reply` is given). */
  async refuse(request: FastifyRequest, reply?: FastifyReply): Promise<never> {
    const { failures, remainingMs } = await this.#countFailure(request.ip);
    if (failures > this.#options.limit) {
      const retryAfterSeconds = Math.max(1, Math.ceil(remainingMs / 1000));
      reply?.header('retry-after', String(retryAfterSeconds));
      throw new AppError('rate_limited', `too many failed ${this.#options.what} logins from this address; retry in ${retryAfterSeconds} s`);
    }
    throw new AppError('unauthorized', this.#options.unauthorizedMessage);
  }

  /** Failures so far in the IP's current window, and the milliseconds left in it. */
  async #countFailure(ip: string): Promise<{ failures: number; remainingMs: number }> {
    // Hashed so that neither Redis nor this process holds client addresses.
    const hashedIp = createHash('sha256').update(ip).digest('base64url');
    try {
      const counted = await this.#countInRedis(this.#options.keyPrefix + hashedIp);
      if (this.#countingInProcess) {
        this.#countingInProcess = false;
        this.#options.log.info(`failed ${this.#options.what} logins are counted in Redis again`);
      }
      return counted;
    } catch (error) {
      // Logged when the fallback starts, not per failure: an outage under a guessing attack would flood the log.
      if (!this.#countingInProcess) {
        this.#countingInProcess = true;
        this.#options.log.warn({ err: error }, `Redis cannot count failed ${this.#options.what} logins; counting them in this process until it can`);
      }
      const { count, remainingMs } = this.#inProcess.increment(hashedIp);
      return { failures: count, remainingMs };
    }
  }

  async #countInRedis(key: string): Promise<{ failures: number; remainingMs: number }> {
    const results = await this.#options.redis.multi().incr(key).pexpire(key, this.#options.windowMs, 'NX').pttl(key).exec();
    if (!results) throw new Error(`the ${this.#options.what} login failure count was not recorded (transaction aborted)`);
    for (const [error] of results) if (error) throw error;
    return { failures: Number(results[0]![1]), remainingMs: Number(results[2]![1]) };
  }
}
