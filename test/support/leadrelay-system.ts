import { AppProcess, type AppName } from './app-process.ts';
import { freePort } from './free-port.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';
import { createQueuePrefix, deleteRedisKeys, testRedisUrl } from './test-redis.ts';

export const testAdminToken = 'test-admin-token-0123456789';

export interface LeadRelaySystem {
  intakeUrl: string;
  /** Intake's internal port: /metrics (with /healthz and /readyz). */
  intakeMetricsUrl: string;
  adminUrl: string;
  databaseUrl: string;
  queuePrefix: string;
  apps: Record<SystemAppName, AppProcess>;
  /** Stops every app, drops the database and deletes the Redis keys. */
  stop(): Promise<void>;
}

/** The apps every test system runs; the portal is started beside one where a test needs it (startPortalProcess). */
export type SystemAppName = Exclude<AppName, 'portal'>;

export interface LeadRelayApps {
  intakeUrl: string;
  /** Intake's internal port: /metrics (with /healthz and /readyz). */
  intakeMetricsUrl: string;
  adminUrl: string;
  apps: Record<SystemAppName, AppProcess>;
  /** Stops the four apps. */
  stop(): Promise<void>;
}

/**
 * Starts the four apps as real processes on spare ports of 127.0.0.1, with the test admin token
 * and `env` (the database, Redis and key prefix are the caller's; what `env` sets wins). When one
 * does not start, all four are stopped and the error is thrown. The tests' system below and the
 * bench's (bench/bench-system.ts) are started with it.
 */
export async function startLeadRelayApps(
  env: Record<string, string>,
  { startTimeoutMs, extraNodeFlags = [] }: { startTimeoutMs?: number; extraNodeFlags?: readonly string[] } = {},
): Promise<LeadRelayApps> {
  const [intakePort, intakeMetricsPort, adminPort, workerPort, dispatcherPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const appEnv = {
    NODE_ENV: 'test',
    ADMIN_TOKEN: testAdminToken,
    INTAKE_PORT: String(intakePort),
    INTAKE_METRICS_PORT: String(intakeMetricsPort),
    ADMIN_PORT: String(adminPort),
    WORKER_HEALTH_PORT: String(workerPort),
    DISPATCHER_HEALTH_PORT: String(dispatcherPort),
    INTAKE_HOST: '127.0.0.1',
    ADMIN_HOST: '127.0.0.1',
    ...env,
  };
  const apps: Record<SystemAppName, AppProcess> = {
    intake: new AppProcess('intake', appEnv, intakePort, extraNodeFlags),
    worker: new AppProcess('worker', appEnv, workerPort, extraNodeFlags),
    dispatcher: new AppProcess('dispatcher', appEnv, dispatcherPort, extraNodeFlags),
    admin: new AppProcess('admin', appEnv, adminPort, extraNodeFlags),
  };
  const stop = async () => {
    await Promise.all(Object.values(apps).map((app) => app.stop()));
  };
  try {
    await Promise.all(Object.values(apps).map((app) => app.start(startTimeoutMs === undefined ? {} : { timeoutMs: startTimeoutMs })));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    intakeUrl: `http://127.0.0.1:${intakePort}`,
    intakeMetricsUrl: `http://127.0.0.1:${intakeMetricsPort}`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    apps,
    stop,
  };
}

/**
 * All four apps as real processes against the real Redis and PostgreSQL, isolated in a
 * database and a key prefix of their own.
 */
export async function startLeadRelaySystem(extraEnv: Record<string, string> = {}): Promise<LeadRelaySystem> {
  const database: TestDatabase = await createTestDatabase();
  const queuePrefix = createQueuePrefix();
  const removeData = async () => {
    await database.drop();
    await deleteRedisKeys(queuePrefix);
  };
  let started: LeadRelayApps;
  try {
    started = await startLeadRelayApps({
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl,
      QUEUE_PREFIX: queuePrefix,
      DISPATCH_RETRY_SCHEDULE: '50ms,50ms,50ms,100ms,100ms,100ms,100ms',
      ...extraEnv,
    });
  } catch (error) {
    await removeData();
    throw error;
  }
  return {
    intakeUrl: started.intakeUrl,
    intakeMetricsUrl: started.intakeMetricsUrl,
    adminUrl: started.adminUrl,
    databaseUrl: database.url,
    queuePrefix,
    apps: started.apps,
    stop: async () => {
      await started.stop();
      await removeData();
    },
  };
}

/** Calls the admin API with the test token, or with `token` (an operator's). */
export async function adminRequest<Body = unknown>(
  system: Pick<LeadRelaySystem, 'adminUrl'>,
  method: string,
  path: string,
  body?: unknown,
  { token = testAdminToken }: { token?: string } = {},
): Promise<{ status: number; body: Body }> {
  const response = await fetch(`${system.adminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Body };
}

/** Where an app started alone runs: its database and Redis, and settings beside (or over) the tests' own. */
export interface AloneAppOptions {
  databaseUrl: string;
  redisUrl?: string;
  queuePrefix: string;
  /** Settings beside (or over) the ones every such app in the tests gets. */
  env?: Record<string, string>;
}

/** One HTTP app as its own process on a spare port of 127.0.0.1, its port and host in the settings its env schema names. */
async function startAloneApp(
  name: 'admin' | 'portal',
  names: { port: string; host: string },
  { databaseUrl, redisUrl = testRedisUrl, queuePrefix, env = {} }: AloneAppOptions,
  appEnv: Record<string, string> = {},
): Promise<{ process: AppProcess; url: string }> {
  const port = await freePort();
  const app = new AppProcess(
    name,
    {
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: queuePrefix,
      [names.port]: String(port),
      [names.host]: '127.0.0.1',
      ...appEnv,
      ...env,
    },
    port,
  );
  await app.start();
  return { process: app, url: `http://127.0.0.1:${port}` };
}

/** One admin app as its own process, on a spare port, for tests of the admin alone. */
export function startAdminProcess(options: AloneAppOptions): Promise<{ process: AppProcess; url: string }> {
  return startAloneApp('admin', { port: 'ADMIN_PORT', host: 'ADMIN_HOST' }, options, { ADMIN_TOKEN: testAdminToken });
}

/** One portal app as its own process, on a spare port, beside a system's (or a test's own) database. */
export async function startPortalProcess(options: AloneAppOptions): Promise<{ process: AppProcess; url: string; metricsUrl: string }> {
  const metricsPort = await freePort();
  const started = await startAloneApp('portal', { port: 'PORTAL_PORT', host: 'PORTAL_HOST' }, options, { PORTAL_METRICS_PORT: String(metricsPort) });
  return { ...started, metricsUrl: `http://127.0.0.1:${metricsPort}` };
}
