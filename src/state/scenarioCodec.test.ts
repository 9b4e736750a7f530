import { describe, expect, it } from 'vitest';
import { decodeScenario, encodeScenario, parseScenarioJson, scenarioJson } from './scenarioCodec.ts';

describe('scenario links', () => {
  const scenario = {
    files: [
      { name: 'a.yaml', text: 'kind: Service\n# ünïcode ✓\n' },
      { name: 'b.yaml', text: '' },
    ],
    request: {
      from: 'app/client',
      to: 'http://reviews:9080/x?y=1',
      port: '',
      protocol: 'http',
      method: 'POST',
      path: '',
      headers: 'end-user: jason',
      sni: '',
    },
    options: { outboundTrafficPolicy: 'REGISTRY_ONLY' as const, dnsCapture: 'on' as const },
  };

  it('round-trips every file, the request and the options exactly', () => {
    const fragment = `#${encodeScenario(scenario)}`;
    expect(fragment.startsWith('#v1=')).toBe(true);
    expect(decodeScenario(fragment)).toEqual({ ok: true, scenario });
  });

  it('reads links made before requests were shared (files only)', () => {
    expect(decodeScenario(encodeScenario({ files: scenario.files }))).toEqual({
      ok: true,
      scenario: { files: scenario.files },
    });
  });

  it('rejects a link cut short or edited, and one from a newer format', () => {
    const encoded = encodeScenario(scenario);
    expect(decodeScenario(encoded.slice(0, 20) + encoded.slice(-9))).toMatchObject({ ok: false });
    expect(decodeScenario(encoded.replace(/\.([0-9a-f]{8})$/, '.00000000'))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('damaged'),
    });
    expect(decodeScenario(encoded.replace(/^v1=/, 'v9='))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('newer'),
    });
    expect(decodeScenario('#example=demo')).toMatchObject({ ok: false });
    // Inputs on which the decompressor itself throws are damaged links too, never a crash.
    expect(decodeScenario('#v1=Y.00000000')).toEqual({ ok: false, reason: expect.stringContaining('damaged') });
  });

  it('reads a downloaded scenario file and refuses other JSON', () => {
    expect(parseScenarioJson(scenarioJson(scenario))).toEqual({ ok: true, scenario });
    expect(parseScenarioJson('{"kind": "List"}')).toMatchObject({ ok: false });
    expect(parseScenarioJson('not json')).toMatchObject({ ok: false });
  });
});
