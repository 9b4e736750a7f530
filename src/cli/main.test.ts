import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './main.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const demo = join(root, 'fixtures/scenarios/demo/manifests.yaml');

function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'meshpath-')), name);
  writeFileSync(path, text);
  return path;
}

describe('meshpath check', () => {
  it('lists the objects of the demo with file and line, and exits 0', () => {
    const result = runCli(['check', '-f', demo, '--json']);
    expect(result.exitCode).toBe(0);
    const output = JSON.parse(result.stdout) as { objects: Array<Record<string, unknown>>; diagnostics: unknown[] };
    expect(output.objects).toContainEqual({
      kind: 'Service',
      apiVersion: 'v1',
      namespace: 'application',
      name: 'dest-svc-v1',
      file: demo,
      line: 91,
    });
    expect(output.objects).toContainEqual({
      kind: 'Namespace',
      apiVersion: 'v1',
      namespace: null,
      name: 'application',
      file: demo,
      line: 3,
    });
    expect(output.diagnostics).toEqual([]);
  });

  it('reports cross-object findings like istioctl analyze, under its codes, in text and --json', () => {
    const file = tempFile(
      'vs.yaml',
      [
        'apiVersion: networking.istio.io/v1',
        'kind: VirtualService',
        'metadata: {name: shop, namespace: app}',
        'spec:',
        '  hosts: [shop.example.com]',
        '  gateways: [public]',
        '  http:',
        '  - route:',
        '    - destination: {host: reviews, subset: v2}',
        '',
      ].join('\n'),
    );
    const text = runCli(['check', '-f', file]);
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toContain(`${file}:6:14 error Gateway app/public does not exist`);
    expect(text.stdout).toContain('[IST0101]');
    const json = JSON.parse(runCli(['check', '-f', file, '--json']).stdout) as { diagnostics: unknown[] };
    expect(json.diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', code: 'IST0101', line: 6, column: 14 }),
      expect.objectContaining({ severity: 'error', code: 'IST0101', line: 9, column: 27 }),
    ]);
  });

  it('prints each diagnostic as file:line:column severity message, and exits 1 on errors', () => {
    const good = tempFile('good.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: ok\n');
    const bad = tempFile('bad.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  name: b\n');
    const text = runCli(['check', '-f', good, '-f', bad]);
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toContain('Service                default/ok');
    expect(text.stdout).toMatch(
      new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:3 error .*duplicated mapping key`, 'm'),
    );

    const json = JSON.parse(runCli(['check', '-f', bad, '--json']).stdout) as { diagnostics: unknown[] };
    expect(json.diagnostics).toEqual([
      {
        severity: 'error',
        code: 'YAML_DUPLICATE_KEY',
        message: expect.stringContaining('duplicated mapping key'),
        file: bad,
        line: 5,
        column: 3,
      },
    ]);
  });

  it('reads standard input with -f -', () => {
    const result = runCli(
      ['check', '-f', '-', '--json'],
      () => 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: piped\n',
    );
    expect(JSON.parse(result.stdout)).toMatchObject({
      objects: [{ kind: 'Namespace', name: 'piped', file: '<stdin>' }],
    });
  });

  it('exits 2 with a clear message for unusable arguments', () => {
    expect(runCli(['check'])).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('at least one -f FILE') });
    expect(runCli(['check', '-f', '/no/such/file.yaml'])).toMatchObject({
      exitCode: 2,
      stderr: expect.stringContaining('no such file'),
    });
    expect(runCli(['frobnicate'])).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('unknown command') });
  });

  it('runs as the installed bin/meshpath.mjs command', () => {
    const run = spawnSync(process.execPath, [join(root, 'bin/meshpath.mjs'), 'check', '-f', demo, '--json'], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    expect((JSON.parse(run.stdout) as { objects: unknown[] }).objects).toHaveLength(13);
  });
});

describe('meshpath help and option values', () => {
  it('prints the usage on -h/--help for every command and exits 0; with no arguments on stderr with exit 2', () => {
    for (const argv of [
      ['-h'],
      ['--help'],
      ['check', '-h'],
      ['check', '--help'],
      ['trace', '--help'],
      ['trace', '-f', demo, '-h'],
      ['proxy-config', '--help'],
      ['proxy-config', 'listeners', '-h'],
      ['pc', '-h'],
    ]) {
      expect(runCli(argv), argv.join(' ')).toMatchObject({
        exitCode: 0,
        stdout: expect.stringContaining('Usage: meshpath'),
        stderr: '',
      });
    }
    expect(runCli([])).toMatchObject({ exitCode: 2, stdout: '', stderr: expect.stringContaining('Usage: meshpath') });
  });

  it('takes --filename=FILE in proxy-config as in check and trace', () => {
    expect(
      runCli(['proxy-config', 'clusters', '--pod', 'application/sleep', `--filename=${demo}`, '-o', 'json']),
    ).toMatchObject({ exitCode: 0, stdout: expect.stringContaining('outbound|7777||dest-svc-v1') });
    expect(runCli(['check', `--filename=${demo}`, '--json']).exitCode).toBe(0);
  });

  it('lists the bootstrap listeners and clusters every istioctl user sees, in text and in -o json', () => {
    const pod = ['--pod', 'application/sleep', '-f', demo];
    const listeners = runCli(['proxy-config', 'listeners', ...pod]).stdout.split('\n');
    expect(listeners.map((l) => l.replace(/ +/g, ' '))).toEqual(
      expect.arrayContaining([
        '0.0.0.0 15021 ALL Inline Route: /healthz/ready*',
        '0.0.0.0 15090 ALL Inline Route: /stats/prometheus*',
      ]),
    );
    const clusters = runCli(['proxy-config', 'clusters', ...pod]).stdout.split('\n');
    for (const name of ['agent', 'prometheus_stats', 'sds-grpc', 'xds-grpc'])
      expect(clusters.map((l) => l.replace(/ +/g, ' '))).toContain(`${name} - - - STATIC `);
    const json = JSON.parse(runCli(['proxy-config', 'all', ...pod, '-o', 'json']).stdout) as {
      listeners: Array<{ name: string; kind: string; inlineRouteConfig?: unknown }>;
      clusters: Array<{ name: string; type: string; bootstrap?: boolean }>;
    };
    expect(json.listeners.filter((l) => l.kind === 'bootstrap').map((l) => l.name)).toEqual([
      '0.0.0.0_15021',
      '0.0.0.0_15090',
    ]);
    expect(json.clusters.filter((c) => c.bootstrap).map((c) => `${c.name} ${c.type}`)).toEqual([
      'prometheus_stats STATIC',
      'agent STATIC',
      'sds-grpc STATIC',
      'xds-grpc STATIC',
    ]);
  });

  it('accepts a proxy-config kind in singular or plural form, nothing else', () => {
    expect(runCli(['proxy-config', 'listener', '--pod', 'application/sleep', '-f', demo]).exitCode).toBe(0);
    for (const kind of ['listenerss', 'alls', 'clusterss']) {
      expect(runCli(['proxy-config', kind, '--pod', 'application/sleep', '-f', demo]), kind).toMatchObject({
        exitCode: 2,
        stderr: expect.stringContaining(`not ${kind}`),
      });
    }
  });

  it('says which option needs a value when it is missing or empty', () => {
    const base = ['trace', '-f', demo, '--from', 'application/sleep', '--to', 'x'];
    for (const [flag, what] of [
      ['--from', 'NAMESPACE/POD'],
      ['--to', 'a host, IP or URL'],
      ['--address', 'an IP'],
      ['--path', 'a path'],
      ['--method', 'a method'],
      ['--sni', 'a name'],
      ['--cluster-domain', 'a domain'],
      ['-f', 'a file name'],
    ] as const) {
      expect(runCli([...base, flag]), flag).toMatchObject({
        exitCode: 2,
        stderr: expect.stringContaining(`${flag} needs ${what}.`),
      });
      if (flag.startsWith('--'))
        expect(runCli([...base, `${flag}=`]), `${flag}=`).toMatchObject({
          exitCode: 2,
          stderr: expect.stringContaining(`${flag} needs ${what}.`),
        });
    }
    expect(runCli(['check', '-f'])).toMatchObject({
      exitCode: 2,
      stderr: expect.stringContaining('-f needs a file name.'),
    });
    expect(runCli(['proxy-config', 'all', '-f', demo, '--pod'])).toMatchObject({
      exitCode: 2,
      stderr: expect.stringContaining('--pod needs NAMESPACE/NAME.'),
    });
    expect(runCli(['proxy-config', 'all', '--pod', 'application/sleep', '--filename'])).toMatchObject({
      exitCode: 2,
      stderr: expect.stringContaining('--filename needs a file name.'),
    });
  });
});

describe('meshpath proxy-config', () => {
  it('prints the listeners of a pod picked by its workload name, with istioctl columns', () => {
    const result = runCli(['proxy-config', 'listeners', '--pod', 'application/sleep', '-f', demo]);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^ADDRESSES\s+PORT\s+MATCH\s+DESTINATION$/);
    expect(lines).toContainEqual(
      expect.stringMatching(/^0\.0\.0\.0\s+7777\s+Trans: raw_buffer; App: http\/1\.1,h2c\s+Route: 7777$/),
    );
  });

  it('prints JSON with -o json', () => {
    const result = runCli(['proxy-config', 'clusters', '--pod', 'application/sleep', '-f', demo, '-o', 'json']);
    const parsed = JSON.parse(result.stdout) as { clusters: Array<{ name: string }> };
    expect(parsed.clusters.map((c) => c.name)).toContain('outbound|7777||dest-svc-v1.application.svc.cluster.local');
  });

  it('exits 2 with a clear message for an unknown pod or a pod without a proxy', () => {
    expect(runCli(['proxy-config', 'all', '--pod', 'application/nope', '-f', demo])).toMatchObject({
      exitCode: 2,
      stderr: expect.stringContaining('No pod application/nope'),
    });
    expect(runCli(['proxy-config', 'bogus', '--pod', 'a/b', '-f', demo])).toMatchObject({
      exitCode: 2,
      stderr: expect.stringContaining('listeners, routes, clusters, endpoints, all'),
    });
  });
});

describe('meshpath trace', () => {
  it('prints exactly one JSON object with the contract fields', () => {
    const result = runCli(['trace', '-f', demo, '--from', 'application/sleep', '--to', 'dest-svc-v1:7777', '--json']);
    expect(result.exitCode).toBe(0);
    const t = JSON.parse(result.stdout) as Record<string, unknown> & {
      hops: Array<Record<string, unknown>>;
      steps: Array<Record<string, unknown>>;
      dns: Record<string, unknown>;
    };
    expect(Object.keys(t)).toEqual([
      'outcome',
      'status',
      'responseFlags',
      'dns',
      'hops',
      'steps',
      'request',
      'assumptions',
      'diagnostics',
    ]);
    expect(t).toMatchObject({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(t.dns).toEqual({
      resolver: 'kube-dns',
      name: 'dest-svc-v1.application.svc.cluster.local',
      answers: [expect.stringMatching(/^10\.96\./)],
      rcode: 'NOERROR',
    });
    expect(t.hops[0]).toMatchObject({
      direction: 'outbound',
      listener: '0.0.0.0_7777',
      routeConfig: '7777',
      virtualHost: 'dest-svc-v1.application.svc.cluster.local:7777',
      route: 'default',
      cluster: 'outbound|7777||dest-svc-v1.application.svc.cluster.local',
      endpoint: expect.stringMatching(/:5678$/),
    });
    expect(t.steps[0]).toMatchObject({
      kind: 'dns',
      sources: [{ kind: 'Service', namespace: 'application', name: 'dest-svc-v1', file: demo, line: 91 }],
    });
  });

  it('applies --outbound-traffic-policy and prints readable text without --json', () => {
    const blocked = JSON.parse(
      runCli([
        'trace',
        '-f',
        demo,
        '--from',
        'application/sleep',
        '--to',
        'http://github.com',
        '--outbound-traffic-policy',
        'REGISTRY_ONLY',
        '--json',
      ]).stdout,
    ) as { outcome: string; status: number };
    expect(blocked).toMatchObject({ outcome: 'blackhole', status: 502 });
    const text = runCli(['trace', '-f', demo, '--from', 'application/sleep', '--to', 'http://github.com']).stdout;
    expect(text).toContain('Outcome: passthrough 200');
    expect(text).toMatch(/\[cluster\] application\/sleep-\S+: PassthroughCluster/);
  });

  it('applies --outbound-traffic-policy ALLOW_ANY_DYNAMIC_DNS: unknown plain HTTP to the dynamic forward proxy', () => {
    const args = ['trace', '-f', demo, '--from', 'application/sleep', '--to', 'http://github.com', '--json'];
    const t = JSON.parse(runCli([...args, '--outbound-traffic-policy', 'allow_any_dynamic_dns']).stdout) as {
      outcome: string;
      hops: Array<{ cluster?: string }>;
    };
    expect(t.outcome).toBe('passthrough');
    expect(t.hops[0]?.cluster).toBe('AllowAnyDynamicDNSCluster');
    const plain = JSON.parse(runCli(args).stdout) as { hops: Array<{ cluster?: string }> };
    expect(plain.hops[0]?.cluster).toBe('PassthroughCluster');
    const wrong = runCli([...args, '--outbound-traffic-policy', 'ANY']);
    expect(wrong.stderr).toContain('must be ALLOW_ANY, REGISTRY_ONLY or ALLOW_ANY_DYNAMIC_DNS, not ANY');
    expect(runCli(['--help']).stdout).toContain(
      '--outbound-traffic-policy ALLOW_ANY|REGISTRY_ONLY|ALLOW_ANY_DYNAMIC_DNS',
    );
  });

  it('applies --cluster-domain to the VirtualServices istiod derives from an Ingress', () => {
    const ingress = join(root, 'fixtures/scenarios/ingress-kubernetes/manifests.yaml');
    const result = runCli([
      'trace',
      '-f',
      ingress,
      '--from',
      'istio-system/istio-ingressgateway',
      '--to',
      'http://yuya.example.com/v1',
      '--cluster-domain',
      'corp.example',
      '--json',
    ]);
    const t = JSON.parse(result.stdout) as { outcome: string; status: number; hops: Array<{ cluster?: string }> };
    expect(t).toMatchObject({ outcome: 'routed', status: 200 });
    expect(t.hops[0]?.cluster).toBe('outbound|7777||dest-svc-v1.application.svc.corp.example');
  });

  it('--address: an unresolvable name still reaches the listener of the address given', () => {
    const file = tempFile(
      'given.yaml',
      [
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: app, labels: {istio-injection: enabled}}',
        'apiVersion: v1\nkind: Pod\nmetadata: {name: client, namespace: app}\n' +
          'spec: {containers: [{name: app, image: app}]}\n' +
          'status: {phase: Running, podIP: 10.244.0.10, conditions: [{type: Ready, status: "True"}]}',
        'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: foo, namespace: app}\n' +
          'spec: {hosts: [foo.example], addresses: [240.1.1.1], resolution: STATIC, location: MESH_EXTERNAL, ' +
          'ports: [{number: 80, name: http, protocol: HTTP}], endpoints: [{address: 192.0.2.50}]}',
      ].join('\n---\n'),
    );
    const args = ['trace', '-f', file, '--from', 'app/client', '--to', 'http://foo.example/', '--json'];
    const without = JSON.parse(runCli(args).stdout) as { outcome: string };
    expect(without.outcome).toBe('dns-failure');
    const result = runCli([...args, '--address', '240.1.1.1']);
    expect(result.exitCode).toBe(0);
    const out = JSON.parse(result.stdout) as { outcome: string; steps: Array<{ kind: string; title: string }> };
    expect(out.outcome).toBe('routed');
    expect(out.steps[0]).toMatchObject({ kind: 'dns', title: 'foo.example → 240.1.1.1 (address given)' });
    expect(runCli([...args, '--address', 'foo']).exitCode).toBe(2);
  });

  it('exits 2 for unusable arguments and an unknown source pod, 0 for any computed outcome', () => {
    expect(runCli(['trace', '-f', demo, '--to', 'x'])).toMatchObject({
      exitCode: 2,
      stderr: expect.stringContaining('--from'),
    });
    expect(
      runCli(['trace', '-f', demo, '--from', 'application/sleep', '--to', 'x', '--protocol', 'udp']),
    ).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('--protocol must be one of') });
    expect(runCli(['trace', '-f', demo, '--from', 'nowhere/nobody', '--to', 'x'])).toMatchObject({
      exitCode: 2,
      stderr: expect.stringContaining('No pod nowhere/nobody'),
    });
    expect(runCli(['trace', '-f', demo, '--from', 'application/sleep', '--to', 'http://nosuch.invalid'])).toMatchObject(
      { exitCode: 0 },
    );
  });
});

describe('source pods as kubectl users name them', () => {
  it('takes a bare workload name or deploy/NAME for --from and --pod and says which pod on stderr', () => {
    const exact = runCli(['trace', '-f', demo, '--from', 'application/sleep', '--to', 'dest-svc-v1']);
    const bare = runCli(['trace', '-f', demo, '--from', 'sleep', '--to', 'dest-svc-v1']);
    expect(bare.exitCode).toBe(0);
    expect(bare.stdout).toBe(exact.stdout);
    expect(bare.stderr).toMatch(
      /^meshpath trace: sleep is application\/sleep-[a-z0-9]+-[a-z0-9]+ \(Deployment sleep\)\.\n$/,
    );
    const config = runCli(['proxy-config', 'clusters', '--pod', 'deploy/sleep', '-f', demo]);
    expect(config.exitCode).toBe(0);
    expect(config.stdout).toBe(runCli(['proxy-config', 'clusters', '--pod', 'application/sleep', '-f', demo]).stdout);
    expect(config.stderr).toContain('deploy/sleep is application/sleep-');
  });

  it('lists the pods that fit when several workloads do', () => {
    const bookinfo = join(root, 'fixtures/scenarios/bookinfo/manifests.yaml');
    const result = runCli(['trace', '-f', bookinfo, '--from', 'reviews', '--to', 'ratings:9080']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/reviews fits several pods \(app label\): \S+\/reviews-v1-\S+, \S+\/reviews-v2-/);
  });

  it('shows the findings that concern a step under it, and in --json only on those steps', () => {
    const bookinfo = join(root, 'fixtures/scenarios/bookinfo/manifests.yaml');
    const args = ['trace', '-f', bookinfo, '--from', 'bookinfo/productpage-v1', '--to', 'http://ratings:9080/mysql'];
    const text = runCli(args).stdout.split('\n');
    const cluster = text.findIndex((l) => l.includes('[cluster]'));
    const finding = text.findIndex((l) =>
      l.startsWith('    ! IST0173 No endpoint of ratings.bookinfo.svc.cluster.local'),
    );
    expect(finding).toBeGreaterThan(cluster);
    expect(text[finding]).toMatch(/\(\S+manifests\.yaml:232\)$/);
    const json = JSON.parse(runCli([...args, '--json']).stdout) as {
      steps: Array<{ kind: string; findings?: Array<Record<string, unknown>> }>;
    };
    expect(json.steps.find((s) => s.kind === 'cluster')?.findings).toEqual([
      expect.objectContaining({ code: 'IST0173', severity: 'error', file: bookinfo, line: 232, endLine: 232 }),
    ]);
    expect(json.steps.filter((s) => 'findings' in s).map((s) => s.kind)).toEqual(['cluster', 'outcome']);
  });
});

describe('meshpath test', () => {
  const bookinfo = join(root, 'fixtures/scenarios/bookinfo/manifests.yaml');
  const bookinfoTests = join(root, 'fixtures/pathtests/bookinfo.tests.yaml');

  it('passes the Bookinfo tests file and exits 0, with one PASS line per test', () => {
    const result = runCli(['test', '-f', bookinfo, bookinfoTests]);
    expect(result.exitCode).toBe(0);
    // Bookinfo's empty v2-mysql subset is on purpose; the user still hears of it.
    expect(result.stderr).toMatch(/^meshpath test: 1 problem in the manifests[^\n]*\n.*\[IST0173\]\n$/);
    expect(result.stdout.match(/^PASS {2}/gm)).toHaveLength(4);
    expect(result.stdout).toMatch(/\n4 tests: 4 passed, 0 failed\n$/);
  });

  it('exits 1 on a failure, naming the field, where the test wrote it and the step that decided it', () => {
    const tests = tempFile(
      'tests.yaml',
      'tests:\n  - name: nothing leaves the mesh\n    from: bookinfo/productpage-v1\n    to: https://example.org\n' +
        '    expect: { outcome: [blackhole, denied] }\n',
    );
    const result = runCli(['test', '-f', bookinfo, tests]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(`FAIL  nothing leaves the mesh  (${tests}:2:5)`);
    expect(result.stdout).toContain(`outcome: expected ["blackhole","denied"], got "passthrough"  (${tests}:5:24)`);
    expect(result.stdout).toMatch(/decided at step 5 \[cluster\] bookinfo\/productpage-v1-\S+: PassthroughCluster\n/);
    const json = JSON.parse(runCli(['test', '-f', bookinfo, tests, '--json']).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ passed: 0, failed: 1, errors: 0 });
  });

  it('exits 2 on an unusable tests file, with file, line and column, and runs nothing', () => {
    const tests = tempFile('tests.yaml', 'tests:\n  - name: a\n    from: x\n    to: y\n    expect: { colour: red }\n');
    const result = runCli(['test', '-f', bookinfo, tests]);
    expect(result).toMatchObject({ exitCode: 2, stdout: '' });
    expect(result.stderr).toContain(`${tests}:5:15 error Cannot assert "colour"`);
    expect(runCli(['test', '-f', bookinfo]).exitCode).toBe(2);
    expect(runCli(['test', bookinfoTests]).exitCode).toBe(2);
    expect(runCli(['test', '-f', bookinfo, '/no/such/tests.yaml']).stderr).toContain('no such file');
  });

  it('writes a JUnit report CI systems read, failures included', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'meshpath-')), 'junit.xml');
    const tests = tempFile(
      'tests.yaml',
      'tests:\n  - { name: ok, from: bookinfo/productpage-v1, to: reviews:9080, expect: { outcome: routed } }\n' +
        '  - { name: "wrong <status>", from: bookinfo/productpage-v1, to: reviews:9080, expect: { status: 404 } }\n',
    );
    expect(runCli(['test', '-f', bookinfo, tests, '--junit', out]).exitCode).toBe(1);
    const xml = readFileSync(out, 'utf8');
    expect(xml).toContain('tests="2" failures="1" errors="0"');
    expect(xml).toContain('<testcase name="wrong &lt;status&gt;"');
    expect(xml).toContain('<failure message="status: expected 404, got 200');
  });

  it('runs from the installed command with the same exit code', () => {
    const result = spawnSync(
      process.execPath,
      [join(root, 'bin/meshpath.mjs'), 'test', '-f', bookinfo, bookinfoTests],
      {
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('4 passed');
  });
});

describe('meshpath diff', () => {
  const bookinfo = join(root, 'fixtures/scenarios/bookinfo/manifests.yaml');
  const text = readFileSync(bookinfo, 'utf8');

  it('exits 0 when nothing changes, reading a directory like kubectl apply -R', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshpath-'));
    writeFileSync(join(dir, 'bookinfo.yaml'), text);
    writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
    const result = runCli(['diff', '--before', bookinfo, '--after', dir]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr.match(/\[IST0173\]/g)).toHaveLength(2);
    expect(result.stdout).toBe('24 requests traced, 0 changed.\n');
  });

  it('exits 1 when an outcome changes, with where the paths part and the object that changed', () => {
    const after = tempFile('after.yaml', text.replace('subset: v1\n      weight: 80', 'subset: v4\n      weight: 80'));
    const result = runCli(['diff', '--before', bookinfo, '--after', after]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(
      new RegExp(
        String.raw`^CHANGED {2}bookinfo\/productpage-v1-\S+ → reviews\.bookinfo:9080\n` +
          String.raw` {2}before: routed 200 via outbound\|9080\|v1\|reviews\.bookinfo\.svc\.cluster\.local\n` +
          String.raw` {2}after: {2}cluster-not-found 503 NC via outbound\|9080\|v4\|`,
        'm',
      ),
    );
    expect(result.stdout).toContain(`because of VirtualService bookinfo/reviews (changed, ${after}:`);
    expect(result.stdout).toMatch(/\n24 requests traced, 6 changed\.\n$/);
    const markdown = runCli(['diff', '--before', bookinfo, '--after', after, '--markdown']);
    expect(markdown.stdout).toMatch(/^### Meshpath: 6 of 24 requests change\n\n\| Request \| Before \| After \|/);
    const one = runCli([
      'diff',
      '--before',
      bookinfo,
      '--after',
      after,
      '--from',
      'bookinfo/productpage-v1',
      '--to',
      'ratings:9080',
    ]);
    expect(one).toMatchObject({ exitCode: 0, stdout: '1 request traced, 0 changed.\n' });
    const tests = runCli([
      'diff',
      '--before',
      bookinfo,
      '--after',
      after,
      '--tests',
      join(root, 'fixtures/pathtests/bookinfo.tests.yaml'),
      '--json',
    ]);
    expect(tests.exitCode).toBe(1);
    expect(JSON.parse(tests.stdout)).toMatchObject({ requests: 4, changed: 2 });
  });

  it('exits 2 on missing versions or half a request', () => {
    expect(runCli(['diff', '--before', bookinfo]).exitCode).toBe(2);
    expect(runCli(['diff', '--before', bookinfo, '--after', bookinfo, '--from', 'x']).stderr).toContain(
      'both --from and --to',
    );
    expect(runCli(['diff', '--before', '/no/such', '--after', bookinfo]).stderr).toContain('no such file');
  });
});

interface WhyNotJson {
  intendedCluster: string;
  requestChanges: Array<{ headers: Record<string, string> }>;
  fixes: Array<{ result: { cluster: string } }>;
}

describe('meshpath trace --explain', () => {
  const bookinfo = join(root, 'fixtures/scenarios/bookinfo/manifests.yaml');
  const external = ['trace', '-f', bookinfo, '--from', 'bookinfo/productpage-v1', '--to', 'https://example.org'];

  it('prints why, and a verified fix as YAML to paste, under a trace that is not routed', () => {
    const result = runCli([...external, '--explain']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('\nWhy passthrough: The proxy does not know 203.0.113.7:443');
    expect(result.stdout).toContain(
      '\nFix (verified: the request is then routed 200 via outbound|443||example.org): Add a ServiceEntry for ' +
        'example.org:443',
    );
    expect(result.stdout).toMatch(/\nAdd:\n---\napiVersion: networking\.istio\.io\/v1\nkind: ServiceEntry\n/);
    const json = JSON.parse(runCli([...external, '--explain', '--json']).stdout) as {
      explain: { fixes: Array<{ yaml: string }> };
    };
    expect(json.explain.fixes[0]?.yaml).toContain('kind: ServiceEntry');
  });

  it('adds nothing for a routed request', () => {
    const args = ['trace', '-f', bookinfo, '--from', 'bookinfo/productpage-v1', '--to', 'http://reviews:9080/'];
    expect(runCli([...args, '--explain']).stdout).toBe(runCli(args).stdout);
  });

  it('with --intended-cluster, says which rule sent a routed request elsewhere and the verified changes', () => {
    const args = ['trace', '-f', bookinfo, '--from', 'bookinfo/productpage-v1', '--to', 'http://reviews:9080/'];
    const v2 = 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local';
    const result = runCli([...args, '--explain', '--intended-cluster', v2]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(
      `\nWhy not ${v2}: VirtualService bookinfo/reviews rule http[1] (shift) matched (any request) and sent the ` +
        'request to outbound|9080|v1|reviews.bookinfo.svc.cluster.local',
    );
    expect(result.stdout).toContain(
      `\nRequest change (verified: the request then goes routed via ${v2}): Send the request with header ` +
        "end-user: jason: rule http[0] (jason) then matches\n  -H 'end-user: jason'\n",
    );
    expect(result.stdout).toMatch(/\nReplace VirtualService bookinfo\/reviews \(.*manifests\.yaml:\d+\) with:\n---\n/);
    const json = JSON.parse(runCli([...args, '--explain', '--intended-cluster', v2, '--json']).stdout) as {
      explain: WhyNotJson;
    };
    expect(json.explain.intendedCluster).toBe(v2);
    expect(json.explain.requestChanges[0]?.headers).toEqual({ 'end-user': 'jason' });
    expect(json.explain.fixes[0]?.result.cluster).toBe(v2);
    expect(runCli([...args, '--intended-cluster', v2]).stderr).toContain('--intended-cluster goes with --explain');
  });
});

describe('proxy-config ztunnel', () => {
  const ambient = join(root, 'fixtures/scenarios/ambient-waypoint/manifests.yaml');
  it('prints the workloads and Services as ztunnel knows them, and JSON with -o json', () => {
    const result = runCli(['proxy-config', 'ztunnel', '-f', ambient]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^WORKLOADS:\nNAMESPACE +POD NAME +ADDRESS +NODE +WAYPOINT +PROTOCOL\n/);
    expect(result.stdout).toMatch(/productpage\.shop\.svc\.cluster\.local +\S+ +waypoint +1\/1/);
    const json = JSON.parse(runCli(['proxy-config', 'ztunnel', '-f', ambient, '-o', 'json']).stdout) as {
      workloads: Array<Record<string, string>>;
    };
    expect(json.workloads.find((w) => w['POD NAME']?.startsWith('sleep'))?.['PROTOCOL']).toBe('HBONE');
    expect(runCli(['proxy-config', 'ztunnel']).exitCode).toBe(2);
  });

  it('check lists ambient pods as ambient, with the label that enrolled them', () => {
    expect(runCli(['check', '-f', ambient]).stdout).toMatch(
      /shop\/sleep-\S+ +\S+ +ambient +namespace shop has the label istio.io\/dataplane-mode=ambient/,
    );
  });

  it("prints a waypoint's own listeners, routes and clusters as istioctl does for a waypoint", () => {
    const canary = join(root, 'fixtures/scenarios/ambient-waypoint-httproute/manifests.yaml');
    const result = runCli(['proxy-config', 'listeners', '--pod', 'shop/waypoint', '-f', canary]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^LISTENER +CHAIN +MATCH +DESTINATION\n/);
    expect(result.stdout).toMatch(
      /envoy:\/\/main_internal +inbound-vip\|9080\|http\|reviews\.shop\.svc\.cluster\.local +ip=\S+ -> port=9080/,
    );
    expect(result.stdout).toMatch(/connect_terminate +default +ALL +Cluster: main_internal/);
    const clusters = runCli(['proxy-config', 'clusters', '--pod', 'shop/waypoint', '-f', canary]).stdout;
    expect(clusters).toMatch(/reviews-v1\.shop\.svc\.cluster\.local +9080 +http +inbound-vip +EDS/);
  });

  it('points an ambient pod to it instead of a proxy config', () => {
    const result = runCli(['proxy-config', 'all', '--pod', 'shop/sleep', '-f', ambient]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('proxy-config ztunnel');
  });
});
