/**
 * Scale-out through Ansible: the inventory (groups from tags) and a playbook that installs exactly the approved
 * versions, for an office that outgrows one desktop. Every scalar is written as a JSON string (a valid YAML
 * double-quoted scalar, so no name can break the structure), and free text is tagged !unsafe so Ansible never
 * evaluates "{{ … }}" in a machine name. No secret is ever exported: the user name only, keys stay where they are.
 */
import type { Host } from '../../../shared/contract';
import { hostLabel } from '../../../shared/host-label';

export interface AnsibleHost {
  host: Host;
  user: string | null;
}

const q = (s: string): string => JSON.stringify(s);
/** Free text that Ansible must not template. */
const unsafe = (s: string): string => `!unsafe ${JSON.stringify(s)}`;

/** Ansible group names: letters, digits and underscores, not starting with a digit. */
export function groupName(tag: string): string {
  const g = tag.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(g) ? `tag_${g}` : g;
}

export function inventoryYaml(machines: readonly AnsibleHost[], now = Date.now()): string {
  const lines = [
    `# Patchwell inventory, exported ${new Date(now).toISOString()}. Groups are the machines' tags.`,
    '# Host keys: Patchwell pins them by fingerprint; check them on first connection (ssh-keyscan + compare).',
    'all:',
    '  hosts:',
  ];
  for (const { host, user } of machines) {
    lines.push(`    ${q(host.address)}:`);
    lines.push(`      ansible_host: ${q(host.address)}`);
    lines.push(`      ansible_port: ${host.sshPort}`);
    if (user) lines.push(`      ansible_user: ${unsafe(user)}`);
    lines.push(`      patchwell_name: ${unsafe(hostLabel(host))}`);
    lines.push(`      patchwell_criticality: ${q(host.criticality)}`);
    if (host.sshHostKey) lines.push(`      patchwell_host_key_fingerprint: ${q(host.sshHostKey)}`);
  }
  const groups = new Map<string, string[]>();
  for (const { host } of machines) for (const t of host.tags) groups.set(groupName(t), [...(groups.get(groupName(t)) ?? []), host.address]);
  if (groups.size > 0) {
    lines.push('  children:');
    for (const [g, members] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`    ${g}:`, '      hosts:');
      for (const m of members) lines.push(`        ${q(m)}: {}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export interface ApprovedItem {
  address: string;
  package: string;
  version: string;
}

/** Debian names and versions as Patchwell validates them: nothing here can be read as a template or a flag. */
const PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;
const VERSION = /^[A-Za-z0-9.+~:-]+$/;

export function playbookYaml(items: readonly ApprovedItem[], now = Date.now()): string {
  const byHost = new Map<string, string[]>();
  for (const i of items) {
    if (!PACKAGE.test(i.package) || !VERSION.test(i.version)) throw new Error(`Refusing to export ${JSON.stringify(`${i.package}=${i.version}`)}: not a Debian package name and version`);
    byHost.set(i.address, [...(byHost.get(i.address) ?? []), `${i.package}=${i.version}`]);
  }
  const lines = [
    `# Patchwell approved updates, exported ${new Date(now).toISOString()}: exactly these versions, nothing else.`,
    '# Run: ansible-playbook -i patchwell-inventory.yml patchwell-approved.yml',
    `- name: ${q('Install the versions approved in Patchwell')}`,
    '  hosts: all',
    '  become: true',
    '  gather_facts: false',
    '  vars:',
    '    patchwell_approved:',
  ];
  for (const [address, specs] of [...byHost].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`      ${q(address)}:`);
    for (const s of specs.sort()) lines.push(`        - ${q(s)}`);
  }
  lines.push(
    '  tasks:',
    `    - name: ${q('Install exactly the approved versions')}`,
    '      ansible.builtin.apt:',
    '        name: "{{ patchwell_approved[inventory_hostname] }}"',
    '        state: present',
    '        install_recommends: false',
    '        allow_downgrade: false',
    '        update_cache: false',
    '      when: inventory_hostname in patchwell_approved',
  );
  return `${lines.join('\n')}\n`;
}
