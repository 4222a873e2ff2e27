import { AppProcess, type AppName } from './app-process.ts';
import { freePort } from './free-port.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';
import { createQueuePrefix, deleteRedisKeys, testRedisUrl } from './test-redis.ts';

export const testAdminToken = 'test-admin-token-0123456789';

export interface LeadRelaySystem {
  intakeUrl: string;
  adminUrl: string;
  databaseUrl: string;
  queuePrefix: string;
  apps: Record<AppName, AppProcess>;
  /** Stops every app, drops the database and deletes the Redis keys. */
  stop(): Promise<void>;
}

/**
 * All four apps as real processes against the real Redis and PostgreSQL, isolated in a
 * database and a key prefix of their own.
 */
export async function startLeadRelaySystem(extraEnv: Record<string, string> = {}): Promise<LeadRelaySystem> {
  const database: TestDatabase = await createTestDatabase();
  const queuePrefix = createQueuePrefix();
  const [intakePort, adminPort, workerPort, dispatcherPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const env = {
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl,
    QUEUE_PREFIX: queuePrefix,
    ADMIN_TOKEN: testAdminToken,
    INTAKE_PORT: String(intakePort),
    ADMIN_PORT: String(adminPort),
    WORKER_HEALTH_PORT: String(workerPort),
    DISPATCHER_HEALTH_PORT: String(dispatcherPort),
    INTAKE_HOST: '127.0.0.1',
    ADMIN_HOST: '127.0.0.1',
    DISPATCH_RETRY_SCHEDULE: '50ms,50ms,50ms,100ms,100ms,100ms,100ms',
    ...extraEnv,
  };
  const apps: Record<AppName, AppProcess> = {
    intake: new AppProcess('intake', env, intakePort),
    worker: new AppProcess('worker', env, workerPort),
    dispatcher: new AppProcess('dispatcher', env, dispatcherPort),
    admin: new AppProcess('admin', env, adminPort),
  };
  const stop = async () => {
    await Promise.all(Object.values(apps).map((app) => app.stop()));
    await database.drop();
    await deleteRedisKeys(queuePrefix);
  };
  try {
    await Promise.all(Object.values(apps).map((app) => app.start()));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    intakeUrl: `http://127.0.0.1:${intakePort}`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    databaseUrl: database.url,
    queuePrefix,
    apps,
    stop,
  };
}

/** Calls the admin API with the test token. */
export async function adminRequest<Body = unknown>(
  system: Pick<LeadRelaySystem, 'adminUrl'>,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Body }> {
  const response = await fetch(`${system.adminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${testAdminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Body };
}
