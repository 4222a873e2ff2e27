import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppName, AppProcess } from '../support/app-process.ts';
import { freePort } from '../support/free-port.ts';
import { startLeadRelaySystem, startPortalProcess, testAdminToken, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { waitFor } from '../support/wait-for.ts';

const run = promisify(execFile);
const prometheusDir = join(import.meta.dirname, '../../docker/prometheus');
const dashboardPath = join(import.meta.dirname, '../../docker/grafana/leadrelay-dashboard.json');
/** The apps Prometheus scrapes: all five. */
type ScrapedApp = AppName;
const appNames: ScrapedApp[] = ['intake', 'worker', 'dispatcher', 'admin', 'portal'];
/** The committed scrape config's job of each app, and the target it scrapes on the compose network. */
const jobs: Record<ScrapedApp, { job: string; composeTarget: string }> = {
  intake: { job: 'leadrelay-intake', composeTarget: 'intake:3004' },
  worker: { job: 'leadrelay-worker', composeTarget: 'worker:3002' },
  dispatcher: { job: 'leadrelay-dispatcher', composeTarget: 'dispatcher:3003' },
  admin: { job: 'leadrelay-admin', composeTarget: 'admin:3001' },
  portal: { job: 'leadrelay-portal', composeTarget: 'portal:3006' },
};
/** A sample of each app's own that Prometheus must have scraped (present from the app's start). */
const sampleOfEachApp: Record<ScrapedApp, string> = {
  intake: 'leadrelay_http_requests_total{job="leadrelay-intake"}',
  worker: 'leadrelay_worker_persist_failures_total{job="leadrelay-worker",kind="unavailable"}',
  dispatcher: 'leadrelay_destinations_auto_disabled_total{job="leadrelay-dispatcher"}',
  // Every app has the (unlabelled) gauge; only the admin reads a figure from Redis into it.
  admin: 'leadrelay_redis_used_memory_bytes{job="leadrelay-admin"} > 0',
  portal: 'leadrelay_http_requests_total{job="leadrelay-portal"}',
};

/** Metric names in a rule file or a PromQL expression: LeadRelay's and the Node.js defaults. */
function metricNamesIn(text: string): Set<string> {
  return new Set(text.match(/\b(?:leadrelay|nodejs|process)_[a-z0-9_]+/g) ?? []);
}

/** Every name a /metrics text exports: its `# TYPE` names, and histograms' `_bucket`/`_sum`/`_count`. */
function exportedNames(scrape: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of scrape.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram' || type === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

/** A copy of docker/prometheus in a temp dir, with the admin token where the scrape config reads it. */
async function prometheusConfigCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'leadrelay-prometheus-'));
  for (const file of ['prometheus.yml', 'leadrelay-alerts.yml', 'leadrelay-alerts.test.yml']) await copyFile(join(prometheusDir, file), join(dir, file));
  await writeFile(join(dir, 'admin-token'), testAdminToken);
  return dir;
}

describe('the Prometheus configuration in docker/prometheus', () => {
  let configDir: string;

  beforeAll(async () => {
    configDir = await prometheusConfigCopy();
  });

  afterAll(async () => {
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  it('is a valid scrape config with valid alert rules', async () => {
    const config = await run('promtool', ['check', 'config', 'prometheus.yml'], { cwd: configDir });
    expect(config.stdout).toContain('SUCCESS: 1 rule files found');
    const rules = await run('promtool', ['check', 'rules', 'leadrelay-alerts.yml'], { cwd: configDir });
    expect(rules.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("fires every alert in its unit test's series and not in the others", async () => {
    const { stdout } = await run('promtool', ['test', 'rules', 'leadrelay-alerts.test.yml'], { cwd: configDir });
    expect(stdout).toContain('SUCCESS');

    // Every alert of the rule file is tested.
    const rules = await readFile(join(configDir, 'leadrelay-alerts.yml'), 'utf8');
    const tests = await readFile(join(configDir, 'leadrelay-alerts.test.yml'), 'utf8');
    const alerts = [...rules.matchAll(/^\s*- alert: (\S+)$/gm)].map(([, name]) => name!);
    expect(alerts.length).toBeGreaterThanOrEqual(8);
    for (const alert of alerts) expect(tests, alert).toMatch(new RegExp(`alertname: ${alert}\\n\\s*exp_alerts:\\n\\s*- exp_labels`));
  });

  it('fails the unit tests when an alert would not fire', async () => {
    const rules = await readFile(join(configDir, 'leadrelay-alerts.yml'), 'utf8');
    await writeFile(join(configDir, 'leadrelay-alerts.yml'), rules.replace('leadrelay_redis_maxmemory_bytes > 0) > 0.85', 'leadrelay_redis_maxmemory_bytes > 0) > 0.95'));
    try {
      await expect(run('promtool', ['test', 'rules', 'leadrelay-alerts.test.yml'], { cwd: configDir })).rejects.toMatchObject({
        // promtool says which alert did not match on stderr.
        stderr: expect.stringContaining('alertname: LeadRelayRedisMemoryNearLimit'),
      });
    } finally {
      await writeFile(join(configDir, 'leadrelay-alerts.yml'), rules);
    }
  });
});

describe('Prometheus scraping a running system', () => {
  let system: LeadRelaySystem;
  let portal: { process: AppProcess; metricsUrl: string } | undefined;
  let configDir: string;
  let prometheus: ChildProcess | undefined;
  let prometheusExited: Promise<number | null> | undefined;
  const prometheusOutput: string[] = [];
  let prometheusUrl: string;

  const metricsUrl = (app: ScrapedApp) => {
    if (app === 'intake') return `${system.intakeMetricsUrl}/metrics`;
    if (app === 'portal') return `${portal!.metricsUrl}/metrics`;
    return `http://127.0.0.1:${system.apps[app].healthPort}/metrics`;
  };
  const scrape = async (app: ScrapedApp) => {
    const response = await fetch(metricsUrl(app), { headers: app === 'admin' ? { authorization: `Bearer ${testAdminToken}` } : {} });
    expect(response.status).toBe(200);
    return response.text();
  };
  const targetOf = (app: ScrapedApp) => new URL(metricsUrl(app)).host;

  beforeAll(async () => {
    system = await startLeadRelaySystem();
    portal = await startPortalProcess({ databaseUrl: system.databaseUrl, queuePrefix: system.queuePrefix });
    configDir = await prometheusConfigCopy();

    // The committed config with the test's ports and a short scrape interval; the rest as committed.
    let config = await readFile(join(configDir, 'prometheus.yml'), 'utf8');
    const rewrite = (from: string, to: string) => {
      expect(config, `prometheus.yml has ${from}`).toContain(from);
      config = config.replaceAll(from, to);
    };
    rewrite('scrape_interval: 15s', 'scrape_interval: 1s');
    rewrite('evaluation_interval: 15s', 'evaluation_interval: 1s');
    for (const app of appNames) rewrite(`'${jobs[app].composeTarget}'`, `'${targetOf(app)}'`);
    await writeFile(join(configDir, 'prometheus.yml'), config);

    const port = await freePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    const child = spawn(
      'prometheus',
      [
        `--config.file=${join(configDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(configDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus = child;
    child.stdout!.on('data', (chunk: Buffer) => prometheusOutput.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => prometheusOutput.push(chunk.toString()));
    prometheusExited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  });

  afterAll(async () => {
    if (prometheus?.pid !== undefined && prometheus.exitCode === null) {
      process.kill(prometheus.pid, 'SIGTERM');
      await prometheusExited;
    }
    await portal?.process.stop();
    await system?.stop();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  it('exports every metric the alert rules and the dashboard panels query', async () => {
    const exported = new Set<string>();
    for (const app of appNames) for (const name of exportedNames(await scrape(app))) exported.add(name);

    const rules = await readFile(join(prometheusDir, 'leadrelay-alerts.yml'), 'utf8');
    expect(metricNamesIn(rules).size).toBeGreaterThan(5);
    for (const name of metricNamesIn(rules)) expect(exported, `alert rules use ${name}`).toContain(name);

    const dashboard = JSON.parse(await readFile(dashboardPath, 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    expect(dashboard.panels.length).toBeGreaterThan(5);
    for (const panel of dashboard.panels) {
      const names = metricNamesIn(panel.targets.map((target) => target.expr).join('\n'));
      expect(names.size, `panel "${panel.title}" queries a metric`).toBeGreaterThan(0);
      for (const name of names) expect(exported, `panel "${panel.title}" uses ${name}`).toContain(name);
    }
  });

  it('has the new alerting metrics from the start: persist failures at 0 by kind, Redis memory from the admin', async () => {
    const worker = await scrape('worker');
    for (const kind of ['conflict', 'unavailable', 'data', 'unknown']) expect(worker).toContain(`leadrelay_worker_persist_failures_total{kind="${kind}"} 0`);
    expect(await scrape('dispatcher')).toContain('leadrelay_destinations_auto_disabled_total 0');
    const admin = await scrape('admin');
    expect(admin).toMatch(/^leadrelay_redis_used_memory_bytes [1-9]\d*$/m);
    expect(admin).toMatch(/^leadrelay_redis_maxmemory_bytes \d+$/m);
  });

  it('scrapes a sample of each app, the admin with its token, and loads the alert rules', async () => {
    const query = async (promql: string) => {
      if (prometheus?.exitCode !== null) throw new Error(`prometheus exited:\n${prometheusOutput.join('')}`);
      const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      return body.data.result;
    };
    for (const app of appNames) {
      const samples = await waitFor(async () => {
        const result = await query(sampleOfEachApp[app]);
        return result.length > 0 ? result : undefined;
      }, { timeoutMs: 30_000, intervalMs: 250, description: `a sample of ${sampleOfEachApp[app]} in Prometheus` });
      expect(samples[0]!.metric.instance).toBe(targetOf(app));
      const [up] = await query(`up{job="${jobs[app].job}"}`);
      expect(up?.value[1], `${app} scraped`).toBe('1');
    }

    const rules = await waitFor(async () => {
      const response = await fetch(`${prometheusUrl}/api/v1/rules?type=alert`);
      const body = (await response.json()) as { data: { groups: { rules: { name: string; health: string }[] }[] } };
      const loaded = body.data.groups.flatMap((group) => group.rules);
      return loaded.length > 0 && loaded.every((rule) => rule.health === 'ok') ? loaded : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250, description: 'the alert rules evaluated' });
    expect(rules.map((rule) => rule.name)).toContain('LeadRelayRedisMemoryNearLimit');
  });
});
