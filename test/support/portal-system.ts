import { expect } from 'vitest';
import type { AppProcess } from './app-process.ts';
import { adminRequest, startLeadRelaySystem, startPortalProcess, type LeadRelaySystem } from './leadrelay-system.ts';

export interface PortalSystem {
  system: LeadRelaySystem;
  portal: AppProcess;
  portalUrl: string;
  /** Stops the portal, then the system (and removes its data). */
  stop(): Promise<void>;
}

/** The whole system with the portal beside it, on the same database and key prefix. */
export async function startPortalSystem(portalEnv: Record<string, string> = {}): Promise<PortalSystem> {
  const system = await startLeadRelaySystem();
  try {
    const { process: portal, url: portalUrl } = await startPortalProcess({ databaseUrl: system.databaseUrl, queuePrefix: system.queuePrefix, env: portalEnv });
    return {
      system,
      portal,
      portalUrl,
      stop: async () => {
        await portal.stop();
        await system.stop();
      },
    };
  } catch (error) {
    await system.stop();
    throw error;
  }
}

/** A subscriber made through the admin API, with its key (shown only in this answer). */
export async function createTestSubscriber(system: Pick<LeadRelaySystem, 'adminUrl'>, name: string): Promise<{ id: string; apiKey: string }> {
  const created = await adminRequest<{ id: string; apiKey: string }>(system, 'POST', '/v1/subscribers', { name });
  expect(created.status).toBe(201);
  return created.body;
}
