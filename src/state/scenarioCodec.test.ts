import { describe, expect, it } from 'vitest';
import { decodeScenario, encodeScenario } from './scenarioCodec.ts';

describe('scenario links', () => {
  const scenario = { files: [{ name: 'a.yaml', text: 'kind: Service\n# ünïcode ✓\n' }, { name: 'b.yaml', text: '' }] };

  it('round-trips every file exactly', () => {
    const fragment = `#${encodeScenario(scenario)}`;
    expect(fragment.startsWith('#v1=')).toBe(true);
    expect(decodeScenario(fragment)).toEqual({ ok: true, scenario });
  });

  it('rejects a link cut short or edited, and one from a newer format', () => {
    const encoded = encodeScenario(scenario);
    expect(decodeScenario(encoded.slice(0, 20) + encoded.slice(-9))).toMatchObject({ ok: false });
    expect(decodeScenario(encoded.replace(/\.([0-9a-f]{8})$/, '.00000000'))).toMatchObject({ ok: false, reason: expect.stringContaining('damaged') });
    expect(decodeScenario(encoded.replace(/^v1=/, 'v9='))).toMatchObject({ ok: false, reason: expect.stringContaining('newer') });
    expect(decodeScenario('#example=demo')).toMatchObject({ ok: false });
  });
});
