import { describe, expect, it } from 'vitest';
import type { Host } from '../../../shared/contract';
import { groupName, inventoryYaml, playbookYaml } from './ansible-export';

const host = { id: 1, address: '127.0.0.13', hostname: null, displayName: 'a "quoted" {{ name }}\nnext: line', sshPort: 2222, tags: ['front-desk'], criticality: 'high', sshHostKey: 'SHA256:abc' } as unknown as Host;

describe('Ansible export', () => {
  it('writes every scalar quoted and free text as !unsafe, and groups from tags', () => {
    const inv = inventoryYaml([{ host, user: 'admin' }], 0);
    expect(inv).toContain('    "127.0.0.13":\n      ansible_host: "127.0.0.13"\n      ansible_port: 2222\n      ansible_user: !unsafe "admin"');
    expect(inv).toContain('patchwell_name: !unsafe "a \\"quoted\\" {{ name }}\\nnext: line"');
    expect(inv).toContain('  children:\n    front_desk:\n      hosts:\n        "127.0.0.13": {}');
    expect(groupName('2nd.floor')).toBe('tag_2nd_floor');
  });

  it('puts exactly the approved versions in the playbook and refuses anything that is not a package and version', () => {
    const pb = playbookYaml([{ address: '127.0.0.13', package: 'openssl', version: '3.0.17-1~deb12u3' }, { address: '127.0.0.13', package: 'libssl3', version: '3.0.17-1~deb12u3' }], 0);
    expect(pb).toContain('    patchwell_approved:\n      "127.0.0.13":\n        - "libssl3=3.0.17-1~deb12u3"\n        - "openssl=3.0.17-1~deb12u3"');
    expect(pb).toContain('allow_downgrade: false');
    expect(() => playbookYaml([{ address: 'x', package: 'openssl', version: '{{ evil }}' }])).toThrow(/Refusing to export/);
    expect(() => playbookYaml([{ address: 'x', package: '--force', version: '1' }])).toThrow(/Refusing to export/);
  });
});
