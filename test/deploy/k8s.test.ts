// deploy/k8s manifests, checked offline: each object against the Kubernetes JSON schemas shipped by
// kubernetes-models, plus the cross-references a schema cannot see (names, labels, ports, modes, config keys).
// biome-ignore-all lint/suspicious/noExplicitAny: manifests are free-form YAML walked by path; the schema check types them.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CronExpressionParser } from 'cron-parser';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as batchV1 from 'kubernetes-models/batch/v1';
import * as coreV1 from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { envSchema, SECRET_KEYS } from '../../src/config.ts';

const dir = fileURLToPath(new URL('../../deploy/k8s/', import.meta.url));
type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: any;
  data?: any;
  stringData?: any;
};

const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
const manifests = new Map<string, Manifest[]>(
  files.map((f) => {
    const docs = parseAllDocuments(readFileSync(`${dir}${f}`, 'utf8'));
    for (const d of docs) if (d.errors.length) throw new Error(`${f}: ${d.errors[0]!.message}`);
    return [f, docs.map((d) => d.toJS() as Manifest)];
  }),
);
const all = [...manifests.entries()].filter(([f]) => f !== 'kustomization.yaml').flatMap(([, docs]) => docs);
const byKind = (kind: string) => all.filter((m) => m.kind === kind);
const models: Record<string, Record<string, new (data: any) => { validate(): void }>> = {
  v1: coreV1 as any,
  'apps/v1': appsV1 as any,
  'batch/v1': batchV1 as any,
};

/** The pod template of a workload (Deployment, Job, CronJob). */
function podSpec(m: Manifest): any {
  return m.kind === 'CronJob' ? m.spec.jobTemplate.spec.template.spec : m.spec.template.spec;
}

describe('deploy/k8s', () => {
  it('every object validates against the Kubernetes schema of its kind', () => {
    expect(all.map((m) => m.kind).sort()).toEqual([
      'ConfigMap',
      'CronJob',
      'Deployment',
      'Deployment',
      'Job',
      'Namespace',
      'Secret',
      'Service',
    ]);
    for (const m of all) {
      const Model = models[m.apiVersion]?.[m.kind];
      expect(Model, `${m.apiVersion} ${m.kind}`).toBeDefined();
      expect(() => new Model!(m).validate(), `${m.kind}/${m.metadata.name}`).not.toThrow();
    }
  });

  it('kustomization lists every manifest except the Secret example', () => {
    const kustomization = manifests.get('kustomization.yaml')![0] as unknown as { resources: string[]; namespace: string };
    expect(kustomization.namespace).toBe('sm-core');
    expect([...kustomization.resources].sort()).toEqual(
      files.filter((f) => f !== 'kustomization.yaml' && f !== 'secret.example.yaml').sort(),
    );
  });

  it('workloads run the sm-core image in the right START_MODE, with the config and secret, as the image user', () => {
    const modes = Object.fromEntries(
      [...byKind('Deployment'), ...byKind('Job'), ...byKind('CronJob')].map((m) => {
        const spec = podSpec(m);
        const c = spec.containers[0];
        expect(c.image).toBe('sm-core');
        expect(c.envFrom).toEqual([{ configMapRef: { name: 'sm-core-config' } }, { secretRef: { name: 'sm-core-secrets' } }]);
        expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
        return [m.metadata.name, c.env.find((e: { name: string }) => e.name === 'START_MODE').value];
      }),
    );
    expect(modes).toEqual({
      'sm-core-api': 'api',
      'sm-core-worker': 'worker',
      'sm-core-migrate': 'migrate',
      'sm-core-run-schedule': 'cron',
    });
  });

  it('selectors match pod labels; the Service reaches the API port; probes hit /health', () => {
    for (const d of byKind('Deployment')) expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
    const api = byKind('Deployment').find((d) => d.metadata.name === 'sm-core-api')!;
    const service = byKind('Service')[0]!;
    expect(api.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    const container = api.spec.template.spec.containers[0];
    expect(container.ports).toEqual([{ name: 'http', containerPort: 3000 }]);
    expect(service.spec.ports[0].targetPort).toBe('http');
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
  });

  it('the worker gets more termination grace than its own --grace, so jobs in flight can finish', () => {
    const worker = byKind('Deployment').find((d) => d.metadata.name === 'sm-core-worker')!;
    const args: string[] = worker.spec.template.spec.containers[0].args;
    const grace = Number(args[args.indexOf('--grace') + 1]);
    expect(worker.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(grace);
  });

  it('the CronJob schedule is a valid cron expression and does not pile up', () => {
    const cron = byKind('CronJob')[0]!;
    expect(() => CronExpressionParser.parse(cron.spec.schedule)).not.toThrow();
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    expect(cron.spec.jobTemplate.spec.template.spec.restartPolicy).toBe('Never');
  });

  it('ConfigMap and Secret keys are sm-core settings; secrets only in the Secret', () => {
    const keys = Object.keys(envSchema.shape);
    const config = Object.keys(byKind('ConfigMap')[0]!.data);
    const secret = Object.keys(byKind('Secret')[0]!.stringData);
    expect(config.filter((k) => !keys.includes(k))).toEqual([]);
    expect(secret.filter((k) => !keys.includes(k))).toEqual([]);
    expect(config.filter((k) => (SECRET_KEYS as readonly string[]).includes(k))).toEqual([]);
    expect([...secret].sort()).toEqual(['DATABASE_URL', 'NEW_RELIC_LICENSE_KEY', 'RAPID_API_KEY', 'ROCKET_API_KEY']);
  });
});
