import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { loadConfig } from '../../lib/config.js';
import { PROCESS_ENTRIES, type ProcessName } from '../../scripts/processes.js';

/**
 * deploy/k8s rendered by `kubectl kustomize` (base and the example overlay), checked against what
 * the processes really use: names, args, ports, probe paths, environment names and the image.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const K8S = `${ROOT}deploy/k8s`;
const kubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!kubectl) console.warn('[k8s.test] kubectl not found: skipping the deploy/k8s checks (install kubectl to run them)');

type Obj = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any; data?: Record<string, string> };
const render = (dir: string): Obj[] =>
  YAML.parseAllDocuments(execFileSync('kubectl', ['kustomize', `${K8S}/${dir}`], { encoding: 'utf8' })).map((d) => d.toJSON());
const find = (objs: Obj[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);
const podSpec = (o: Obj) => o.spec.template.spec;

/** Every environment variable lib/config.ts reads, with the per-process names it builds. */
function configEnvNames(): Set<string> {
  const source = readFileSync(`${ROOT}lib/config.ts`, 'utf8');
  const names = new Set<string>();
  for (const m of source.matchAll(/env\.([A-Z][A-Z0-9_]*)|\(env, '([A-Z][A-Z0-9_]*)'/g)) names.add(m[1] ?? m[2]);
  for (const p of Object.keys(PROCESS_ENTRIES)) names.add(`${p.toUpperCase()}_PORT`).add(`${p.toUpperCase()}_URL`);
  return names;
}

const processes = Object.keys(PROCESS_ENTRIES) as ProcessName[];
const defaults = loadConfig({});

describe.skipIf(!kubectl)('deploy/k8s', () => {
  const base = kubectl ? render('base') : [];
  const example = kubectl ? render('overlays/example') : [];
  const config = base.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('looklook-config'))!;

  it('has a Deployment, Service and PodDisruptionBudget per process, and an autoscaler for the gateway and subgraphs', () => {
    for (const name of processes) {
      for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget']) expect(find(base, kind, `looklook-${name}`), `${kind} ${name}`).toBeDefined();
      const hpa = find(base, 'HorizontalPodAutoscaler', `looklook-${name}`);
      if (name === 'jobs') continue;
      expect(hpa?.spec.scaleTargetRef, name).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: `looklook-${name}` });
      expect(hpa!.spec.minReplicas, name).toBeGreaterThanOrEqual(2);
    }
  });

  it('runs each process by its name on the port lib/config.ts gives it, and its Service forwards that port', () => {
    for (const name of processes) {
      const [container] = podSpec(find(base, 'Deployment', `looklook-${name}`)!).containers;
      expect(container.args, name).toEqual([name]);
      expect(container.ports, name).toEqual([{ name: 'http', containerPort: defaults.ports[name] }]);
      const service = find(base, 'Service', `looklook-${name}`)!;
      expect(service.spec.ports, name).toEqual([{ name: 'http', port: defaults.ports[name], targetPort: 'http' }]);
      expect(service.spec.selector).toEqual({ 'app.kubernetes.io/name': `looklook-${name}` });
      expect(container.resources.requests.cpu && container.resources.requests.memory && container.resources.limits.memory, name).toBeTruthy();
    }
  });

  it('probes readiness on /readyz and liveness on /healthz, routes every process serves', () => {
    const code = ['lib/subgraph-server.ts', 'gateway/server.ts', 'jobs/main.ts', 'jobs/ops.ts'].map((f) => readFileSync(`${ROOT}${f}`, 'utf8')).join('\n');
    expect(code).toContain("get('/healthz'");
    expect(code).toContain("get('/readyz'");
    for (const name of processes) {
      const [container] = podSpec(find(base, 'Deployment', `looklook-${name}`)!).containers;
      expect(container.readinessProbe.httpGet, name).toEqual({ path: '/readyz', port: 'http' });
      expect(container.livenessProbe.httpGet, name).toEqual({ path: '/healthz', port: 'http' });
    }
  });

  it('sets only environment names the processes read, and points each subgraph URL at its Service', () => {
    const known = configEnvNames();
    const secretKeys = readFileSync(`${K8S}/secrets.example.env`, 'utf8').split('\n').filter((l) => /^[A-Z]/.test(l)).map((l) => l.split('=')[0]);
    const exampleConfig = example.find((o) => o.kind === 'ConfigMap')!;
    for (const name of [...Object.keys(config.data!), ...Object.keys(exampleConfig.data!), ...secretKeys]) expect(known.has(name), name).toBe(true);
    expect(secretKeys.sort()).toEqual(['ADMIN_PASSWORD', 'INTERNAL_SECRET', 'JWT_ACCESS_SECRET', 'MYSQL_URL', 'PAYMENT_SANDBOX_SECRET', 'REDIS_URL']);
    expect(config.data!.NODE_ENV).toBe('production');
    expect(config.data!.HOST, 'probes and other pods reach the subgraphs and jobs').toBe('0.0.0.0');
    for (const name of ['user', 'homestay', 'order', 'payment'] as const) {
      expect(config.data![`${name.toUpperCase()}_URL`]).toBe(`http://looklook-${name}:${defaults.ports[name]}`);
    }
    expect(base.some((o) => o.kind === 'Secret'), 'no Secret object (values) in the manifests').toBe(false);
    for (const o of [...base.filter((x) => x.kind === 'Deployment' || x.kind === 'Job')]) {
      expect(podSpec(o).containers[0].envFrom, o.metadata.name).toEqual([{ configMapRef: { name: config.metadata.name } }, { secretRef: { name: 'looklook-secrets' } }]);
    }
  });

  it('migrates with the image\'s migrate task, and labels the config and Job for the apply before the rollout', () => {
    const job = find(base, 'Job', 'looklook-migrate')!;
    expect(podSpec(job).containers[0].args).toEqual(['migrate']);
    expect(readFileSync(`${ROOT}scripts/run.ts`, 'utf8')).toMatch(/\bmigrate: async/);
    expect(job.metadata.labels!['looklook.io/stage']).toBe('migrate');
    expect(config.metadata.labels!['looklook.io/stage']).toBe('migrate');
  });

  it('uses one image everywhere, renamed by the overlay', () => {
    const images = (objs: Obj[]) => new Set(objs.filter((o) => o.kind === 'Deployment' || o.kind === 'Job').flatMap((o) => podSpec(o).containers.map((c: { image: string }) => c.image)));
    expect([...images(base)]).toEqual(['looklook-graph']);
    const overlay = YAML.parse(readFileSync(`${K8S}/overlays/example/kustomization.yaml`, 'utf8'));
    const { newName, newTag } = overlay.images[0];
    expect([...images(example)]).toEqual([`${newName}:${newTag}`]);
    expect(example.filter((o) => o.metadata.name.startsWith('looklook-')).every((o: any) => o.metadata.namespace === 'looklook')).toBe(true);
  });

  it('validates every object against the Kubernetes schemas (kubernetes-models, a dev dependency)', async () => {
    const load = (path: string) => import(/* @vite-ignore */ path) as Promise<Record<string, new (o: unknown) => { validate(): void }>>;
    for (const o of example) {
      const group = o.apiVersion === 'v1' ? 'v1' : o.apiVersion;
      const Model = (await load(`kubernetes-models/${group}`))[o.kind];
      expect(Model, `${o.apiVersion} ${o.kind}`).toBeDefined();
      expect(() => new Model(o).validate(), `${o.kind} ${o.metadata.name}`).not.toThrow();
    }
    // The validator does refuse what Kubernetes would: a Deployment whose replicas is not a number.
    const deployment = example.find((o) => o.kind === 'Deployment')!;
    const { Deployment } = await load('kubernetes-models/apps/v1');
    expect(() => new Deployment!({ ...deployment, spec: { ...deployment.spec, replicas: 'two' } }).validate()).toThrow();
  });
});
