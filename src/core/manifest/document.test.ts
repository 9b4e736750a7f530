import { describe, expect, it } from 'vitest';
import { readYamlDocument } from './document.ts';

describe('readYamlDocument (a Meshpath tests file)', () => {
  it('names a duplicate key and where it first appears', () => {
    const read = readYamlDocument({
      name: 'tests.yaml',
      text: 'tests:\n- name: a\n  from: sleep\n  to: http://x/\n  from: other\n',
    });
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.diagnostic).toMatchObject({
      code: 'YAML_DUPLICATE_KEY',
      range: { start: { line: 5, column: 3 } },
      message: expect.stringContaining('duplicated mapping key "from"; it first appears at line 3, column 3.'),
    });
  });
});
