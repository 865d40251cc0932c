import { AppError } from '../../../shared/contract';
import { inventoryYaml, playbookYaml } from '../ansible/ansible-export';
import { appendAudit } from '../audit/audit-log';
import { approvedItems } from '../deploy/approval-queries';
import { listHosts } from '../machines/machine-queries';
import type { HandlerMap } from './types';

export const ansibleHandlers: HandlerMap<'ansible/export'> = {
  'ansible/export': ({ hostIds }, s) => {
    const hosts = listHosts(s.db).filter((h) => !hostIds || hostIds.includes(h.id));
    if (hosts.length === 0) throw new AppError('bad-request', 'No machines to export');
    const approvals = approvedItems(s.db, hosts.map((h) => h.id));
    const items = hosts.flatMap((h) => (approvals.get(h.id) ?? []).map((i) => ({ address: h.address, package: i.package, version: i.toVersion })));
    const inventory = inventoryYaml(hosts.map((host) => ({ host, user: s.vault.resolveFor(host)?.username ?? null })));
    let playbook: string;
    try {
      playbook = playbookYaml(items);
    } catch (e) {
      throw new AppError('bad-request', e instanceof Error ? e.message : String(e));
    }
    appendAudit(s.db, { actor: 'user', action: 'ansible.export', details: { machines: hosts.length, approved: items.length } });
    return { inventory, playbook, machines: hosts.length, approved: items.length };
  },
};
