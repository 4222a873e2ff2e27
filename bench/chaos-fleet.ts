import type { AppName, AppProcess } from '../test/support/app-process.ts';
import { AppProcess as App } from '../test/support/app-process.ts';
import { freePort } from '../test/support/free-port.ts';
import { startLeadRelayApps } from '../test/support/leadrelay-system.ts';
import type { SeededRandom } from './seeded-random.ts';

/** The apps `pnpm chaos` kills: two of each, so one instance of each kind is always up. */
export type KillableAppName = Exclude<AppName, 'admin' | 'portal'>;

export const killableAppNames: readonly KillableAppName[] = ['intake', 'worker', 'dispatcher'];

/** One SIGKILL of the run: which instance, when it died and when its replacement was ready. */
export interface ChaosKill {
  instance: string;
  app: KillableAppName;
  killedAtMs: number;
  /** Undefined while it is still starting (or when its restart failed). */
  restartedAtMs?: number;
}

/** The port variables of each app: a second instance of it needs its own. */
const portVariables: Record<KillableAppName, string[]> = {
  intake: ['INTAKE_PORT', 'INTAKE_METRICS_PORT'],
  worker: ['WORKER_HEALTH_PORT'],
  dispatcher: ['DISPATCHER_HEALTH_PORT'],
};

/**
 * Two intakes, two workers and two dispatchers (and one admin, never killed) as real processes
 * on one Redis and one PostgreSQL; `killRandomInstance` SIGKILLs one of the six by its pid and
 * starts it again on the same ports.
 */
export class ChaosFleet {
  readonly kills: ChaosKill[] = [];
  readonly #instances: { id: string; app: KillableAppName; process: AppProcess }[];
  readonly #admin: AppProcess;
  /** Instances killed and not ready again yet. */
  readonly #restarting = new Set<string>();
  readonly #stopAll: () => Promise<void>;

  private constructor(
    readonly adminUrl: string,
    readonly intakeUrls: string[],
    instances: { id: string; app: KillableAppName; process: AppProcess }[],
    admin: AppProcess,
  ) {
    this.#instances = instances;
    this.#admin = admin;
    this.#stopAll = async () => {
      await Promise.all([...this.#instances.map((instance) => instance.process.stop('SIGKILL')), this.#admin.stop()]);
    };
  }

  /** Starts the seven apps with `env` (database, Redis, key prefix, tuning); on a failure stops those started. */
  static async start(env: Record<string, string>): Promise<ChaosFleet> {
    const first = await startLeadRelayApps(env, { startTimeoutMs: 120_000 });
    const instances = killableAppNames.map((app) => ({ id: `${app}-1`, app, process: first.apps[app] }));
    const intakeUrls = [first.intakeUrl];
    try {
      for (const app of killableAppNames) {
        const ports = await Promise.all(portVariables[app].map(() => freePort()));
        const secondEnv = { ...first.apps[app].env, ...Object.fromEntries(portVariables[app].map((name, index) => [name, String(ports[index])])) };
        // The first port variable is the one its /readyz answers on (intake's API port answers it too).
        const second = new App(app, secondEnv, ports[0]!);
        instances.push({ id: `${app}-2`, app, process: second });
        await second.start({ timeoutMs: 120_000 });
        if (app === 'intake') intakeUrls.push(`http://127.0.0.1:${ports[0]}`);
      }
    } catch (error) {
      await Promise.all([first.stop(), ...instances.map((instance) => instance.process.stop('SIGKILL'))]);
      throw error;
    }
    return new ChaosFleet(first.adminUrl, intakeUrls, instances, first.apps.admin);
  }

  /**
   * SIGKILLs one instance picked by `random` among those up (by its pid); `restarted` resolves
   * once it has been started again and is ready.
   */
  async killRandomInstance(random: SeededRandom): Promise<{ kill: ChaosKill; restarted: Promise<void> }> {
    const instance = random.pick(this.#instances.filter((candidate) => !this.#restarting.has(candidate.id)));
    const kill: ChaosKill = { instance: instance.id, app: instance.app, killedAtMs: Date.now() };
    this.kills.push(kill);
    this.#restarting.add(instance.id);
    await instance.process.stop('SIGKILL');
    const restarted = instance.process.start({ timeoutMs: 120_000 }).then(() => {
      kill.restartedAtMs = Date.now();
      this.#restarting.delete(instance.id);
    });
    return { kill, restarted };
  }

  /** Stops every app: the six killable ones by SIGKILL (nothing of theirs is needed any more), the admin cleanly. */
  stop(): Promise<void> {
    return this.#stopAll();
  }
}
