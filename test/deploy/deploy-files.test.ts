/**
 * The deployment files in deploy/, checked where no cluster or container runtime exists: the Kubernetes
 * manifests parse and fit together, the container's arguments start the real service (model and key
 * file swapped for a test model and a temporary key), its probes name routes that answer as a probe
 * needs (readiness drops at SIGTERM, liveness stays up), the grace period covers preStop and the drain,
 * and the image starts the package's command with node as the process that gets the signal.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { until } from '../server/helpers.js';
import { testModel } from '../helpers/models.js';

const REPOSITORY = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(REPOSITORY, file), 'utf8');

interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  args: string[];
  ports: Array<{ name: string; containerPort: number }>;
  readinessProbe: Probe;
  livenessProbe: Probe;
  startupProbe: Probe;
  lifecycle: { preStop: { exec: { command: string[] } } };
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown>;
}

const manifests = parseAllDocuments(read('deploy/kubernetes.yaml')).map((document) => {
  expect(document.errors).toEqual([]);
  return document.toJS() as Manifest;
});
const byKind = (kind: string) => manifests.find((m) => m.kind === kind)!;
const deployment = byKind('Deployment') as Manifest & {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: { terminationGracePeriodSeconds: number; containers: Container[] };
    };
  };
};
const container = deployment.spec.template.spec.containers[0]!;
const flag = (args: string[], name: string) => {
  const at = args.indexOf(name);
  return at < 0 ? undefined : args[at + 1];
};

describe('deploy/kubernetes.yaml', () => {
  test('a Deployment, a Service and an autoscaler that point at each other', () => {
    expect(manifests.map((m) => m.kind)).toEqual(['Deployment', 'Service', 'HorizontalPodAutoscaler']);
    const service = byKind('Service') as Manifest & {
      spec: { selector: Record<string, string>; ports: Array<{ targetPort: string }> };
    };
    expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(container.ports.map((p) => p.name)).toContain(service.spec.ports[0]!.targetPort);
    const autoscaler = byKind('HorizontalPodAutoscaler') as Manifest & {
      spec: { scaleTargetRef: { kind: string; name: string } };
    };
    expect(autoscaler.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name });
  });

  test('the grace period covers preStop and the drain deadline, and the probes use the served port', () => {
    const [command, seconds] = container.lifecycle.preStop.exec.command;
    expect(command).toBe('sleep');
    const drainSeconds = Number(flag(container.args, '--drain-timeout-ms')) / 1000;
    expect(drainSeconds).toBeGreaterThan(0);
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(Number(seconds) + drainSeconds);
    const port = container.ports.find((p) => p.name === 'http')!;
    expect(String(port.containerPort)).toBe(flag(container.args, '--port'));
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe])
      expect(probe.httpGet.port).toBe('http');
  });
});

describe("the container's command and probes against the real service", () => {
  let model: string;
  beforeAll(async () => {
    model = await testModel('tiny-xlmr');
  });

  test('its arguments start the service; readiness answers 200 then 503 at SIGTERM while liveness stays 200; exit 0', async () => {
    const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'ko-rerank-keys-')), 'keys');
    writeFileSync(keyFile, 'deploy-test-key\n');
    const swapped: Record<string, string> = {
      '--model': model,
      '--api-key-file': keyFile,
      '--host': '127.0.0.1',
      '--port': '0',
    };
    const args = container.args.map((arg, i) => swapped[container.args[i - 1]!] ?? arg);
    // The image runs the package's command (scripts/ko-rerank.ts) with `serve`; here it runs from source.
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/ko-rerank.ts', 'serve', ...args], {
      cwd: REPOSITORY,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      expect(await until(() => /ready:/.test(stderr), 6000), stderr).toBe(true);
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)![1]!;
      const status = async (probe: Probe) => (await fetch(`${url}${probe.httpGet.path}`)).status;
      expect(await status(container.startupProbe)).toBe(200);
      expect(await status(container.readinessProbe)).toBe(200);
      expect(await status(container.livenessProbe)).toBe(200);
      // The key from the file guards the API; probes need none.
      expect((await fetch(`${url}/info`)).status).toBe(401);
      expect((await fetch(`${url}/info`, { headers: { authorization: 'Bearer deploy-test-key' } })).status).toBe(200);

      child.kill('SIGTERM'); // what the kubelet sends after preStop
      expect(await until(() => /SIGTERM: draining/.test(stderr), 500)).toBe(true);
      expect(await status(container.readinessProbe)).toBe(503);
      expect(await status(container.livenessProbe)).toBe(200);
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});

describe('deploy/Dockerfile', () => {
  const lines = read('deploy/Dockerfile')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));
  const finalStage = lines.slice(lines.findLastIndex((line) => line.startsWith('FROM ')));
  const instruction = (name: string) => finalStage.find((line) => line.startsWith(`${name} `))?.slice(name.length + 1);

  test('runs as a non-root user, node as the entrypoint process, on the package command and port', () => {
    const user = instruction('USER');
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    // Exec form (a JSON array): no shell between the runtime's signal and node.
    const entrypoint = JSON.parse(instruction('ENTRYPOINT')!) as string[];
    const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string> };
    expect(entrypoint).toEqual(['node', pkg.bin['ko-rerank'], 'serve']);
    const command = JSON.parse(instruction('CMD')!) as string[];
    expect(command.join(' ')).not.toMatch(/\bnpm\b|\bnpx\b/);
    expect(instruction('EXPOSE')).toBe(flag(command, '--port'));
    expect(instruction('EXPOSE')).toBe(String(container.ports[0]!.containerPort));
    expect(instruction('STOPSIGNAL')).toBe('SIGTERM');
  });
});
