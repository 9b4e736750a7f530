import { describe, expect, it } from 'vitest';
import { compressToEncodedURIComponent } from 'lz-string';
import {
  MAX_LINK_FRAGMENT_CHARS,
  MAX_LINK_SCENARIO_CHARS,
  decodeScenario,
  encodeScenario,
  parseScenarioJson,
  scenarioJson,
} from './scenarioCodec.ts';

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

  it('round-trips every file, the request and the options exactly', async () => {
    const fragment = `#${await encodeScenario(scenario)}`;
    expect(fragment.startsWith('#v2=')).toBe(true);
    expect(await decodeScenario(fragment)).toEqual({ ok: true, scenario });
  });

  it('keeps every outbound traffic policy what-if in a link, ALLOW_ANY_DYNAMIC_DNS too', async () => {
    for (const outboundTrafficPolicy of ['ALLOW_ANY', 'REGISTRY_ONLY', 'ALLOW_ANY_DYNAMIC_DNS'] as const) {
      const withPolicy = { ...scenario, options: { outboundTrafficPolicy, dnsCapture: 'manifests' as const } };
      expect(await decodeScenario(`#${await encodeScenario(withPolicy)}`)).toEqual({ ok: true, scenario: withPolicy });
    }
  });

  it('reads #v1= links made by earlier versions, with or without a request', async () => {
    const v1 = (s: object) => {
      const json = JSON.stringify(s);
      let hash = 0x811c9dc5;
      for (let i = 0; i < json.length; i++) hash = Math.imul(hash ^ json.charCodeAt(i), 0x01000193);
      return `v1=${compressToEncodedURIComponent(json)}.${(hash >>> 0).toString(16).padStart(8, '0')}`;
    };
    expect(await decodeScenario(v1(scenario))).toEqual({ ok: true, scenario });
    expect(await decodeScenario(v1({ files: scenario.files }))).toEqual({
      ok: true,
      scenario: { files: scenario.files },
    });
  });

  it('opens links pasted from chat or markdown: percent-encoded once or twice, with a trailing ) or .', async () => {
    const fragment = await encodeScenario(scenario);
    for (const pasted of [
      `#${encodeURIComponent(fragment)}`,
      `#${encodeURIComponent(encodeURIComponent(fragment))}`,
      `#${fragment})`,
      `#${fragment}.`,
    ])
      expect(await decodeScenario(pasted)).toEqual({ ok: true, scenario });
  });

  it('rejects a link cut short or edited, and one from a newer format', async () => {
    const encoded = await encodeScenario(scenario);
    expect(await decodeScenario(encoded.slice(0, 20) + encoded.slice(-9))).toMatchObject({ ok: false });
    expect(await decodeScenario(encoded.replace(/\.([0-9a-f]{8})$/, '.00000000'))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('damaged'),
    });
    expect(await decodeScenario(encoded.replace(/^v2=/, 'v9='))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('newer'),
    });
    expect(await decodeScenario('#example=demo')).toMatchObject({ ok: false });
    // Inputs on which a decompressor itself fails are damaged links too, never a crash.
    expect(await decodeScenario('#v1=Y.00000000')).toEqual({ ok: false, reason: expect.stringContaining('damaged') });
    expect(await decodeScenario('#v2=Y.00000000')).toEqual({ ok: false, reason: expect.stringContaining('damaged') });
  });

  it('refuses an over-long link before decoding it', async () => {
    const long = `#v2=${'A'.repeat(MAX_LINK_FRAGMENT_CHARS + 10)}.00000000`;
    const result = await decodeScenario(long);
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('65,536') });
  });

  it('stops link bombs at the output cap, in both formats', async () => {
    // The real cap is MAX_LINK_SCENARIO_CHARS; a smaller one keeps the test fast.
    const cap = 200_000;
    expect(cap).toBeLessThan(MAX_LINK_SCENARIO_CHARS);
    const bombJson = JSON.stringify({ files: [{ name: 'a.yaml', text: 'a'.repeat(cap * 4) }] });
    const deflated = new Uint8Array(
      await new Response(new Blob([bombJson]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer(),
    );
    let binary = '';
    for (const byte of deflated) binary += String.fromCharCode(byte);
    const v2 = `v2=${btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}.00000000`;
    expect(v2.length).toBeLessThan(MAX_LINK_FRAGMENT_CHARS);
    expect(await decodeScenario(v2, cap)).toMatchObject({ ok: false, reason: expect.stringContaining('200,000') });
    const v1 = `v1=${compressToEncodedURIComponent('a'.repeat(cap * 4))}.00000000`;
    expect(v1.length).toBeLessThan(MAX_LINK_FRAGMENT_CHARS);
    expect(await decodeScenario(v1, cap)).toMatchObject({ ok: false, reason: expect.stringContaining('200,000') });
  });

  it('reads a downloaded scenario file and refuses other JSON', () => {
    expect(parseScenarioJson(scenarioJson(scenario))).toEqual({ ok: true, scenario });
    expect(parseScenarioJson('{"kind": "List"}')).toMatchObject({ ok: false });
    expect(parseScenarioJson('not json')).toMatchObject({ ok: false });
    const many = { files: Array.from({ length: 65 }, (_, i) => ({ name: `${i}.yaml`, text: '' })) };
    expect(parseScenarioJson(JSON.stringify(many))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('65 files'),
    });
  });
});
