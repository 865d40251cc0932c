/**
 * The morning digest: what was patched since the last one (machines, versions, outcome), what failed, what needs
 * attention (reboots, unhealthy machines, approvals and deployments waiting) and the known-exploited exposure,
 * new and in all.
 */
import type { Db } from '../db/open';
import type { DeploymentItemLine, DeploymentLine } from '../reports/report-trail';
import { renderMail, when, type MailLine } from './mail-doc';
import {
  approvalsWaiting, deploymentsFinished, deploymentsWaiting, failedAssessments, machinesNeedingReboot, newKevFindings, openKevFindings, targetFailures,
  unhealthyMachines, type KevFinding, type MachineProblem,
} from './mail-queries';
import type { OutgoingMail } from './smtp';

export interface DigestData {
  since: number;
  now: number;
  deployments: DeploymentLine[];
  /** Why machines failed, by deployment id and machine label. */
  whyFailed: Map<number, Map<string, string>>;
  failedAssessments: MachineProblem[];
  reboots: MachineProblem[];
  unhealthy: MachineProblem[];
  approvals: { versions: number; machines: number };
  waiting: { id: number; title: string; state: string }[];
  newKev: KevFinding[];
  allKev: KevFinding[];
  /** The KEV keys to remember once this digest is sent. */
  kevKeys: string[];
}

export function collectDigest(db: Db, since: number, now: number, kevSeen: readonly string[] | null | undefined): DigestData {
  const allKev = openKevFindings(db, now);
  // The digest's first run has no memory of what was open: everything open counts as new once, then never again.
  const { fresh, keys } = newKevFindings(allKev, kevSeen ?? []);
  const deployments = deploymentsFinished(db, since, now);
  return {
    since,
    now,
    deployments,
    whyFailed: new Map(deployments.map((d) => [d.id, targetFailures(db, d.id)])),
    failedAssessments: failedAssessments(db, { from: since, to: now }),
    reboots: machinesNeedingReboot(db),
    unhealthy: unhealthyMachines(db),
    approvals: approvalsWaiting(db),
    waiting: deploymentsWaiting(db),
    newKev: fresh,
    allKev,
    kevKeys: keys,
  };
}

/** One version on one machine: "files01: openssl 3.0.1 → 3.0.2: installed". */
export function itemText(i: DeploymentItemLine): string {
  return `${i.host}: ${i.package} ${i.from ?? '(new)'} → ${i.to}: ${i.outcome}`;
}

/** A failed version with the machine's reason, unless its outcome already says it. */
export function failedItemText(i: DeploymentItemLine, why: ReadonlyMap<string, string> | undefined): string {
  const reason = why?.get(i.host);
  return reason && !i.outcome.includes(reason) ? `${itemText(i)} (${reason})` : itemText(i);
}

/** A version that did not end where the deployment meant it to. */
export function itemFailed(d: DeploymentLine, i: DeploymentItemLine): boolean {
  if (i.state === 'failed') return true;
  return d.rollbackOf === null ? /failed|rolled back/.test(i.outcome) : /failed/.test(i.outcome);
}

export function deploymentTitle(d: DeploymentLine): string {
  const what = d.rollbackOf === null ? `Deployment #${d.id}` : `Rollback #${d.id} (of deployment #${d.rollbackOf})`;
  const title = d.title ? ` "${d.title}"` : '';
  const end = d.finishedAt === null ? '' : `, finished ${when(d.finishedAt)}`;
  return `${what}${title}: ${d.state}${end}, ${d.succeeded} of ${d.machines} machine${d.machines === 1 ? '' : 's'} succeeded`;
}

export const kevText = (f: KevFinding): string =>
  `${f.host}: ${f.package} ${f.installedVersion ?? '?'} → ${f.candidateVersion} fixes ${f.cves.join(', ')}`;

const problem = (p: MachineProblem): MailLine => ({ text: `${p.host}: ${p.detail}` });

export function renderDigest(d: DigestData): OutgoingMail {
  const failedItems = d.deployments.flatMap((dep) => dep.items.filter((i) => itemFailed(dep, i)).map((i) => ({ text: `Deployment #${dep.id}: ${failedItemText(i, d.whyFailed.get(dep.id))}` })));
  const failed: MailLine[] = [...failedItems, ...d.failedAssessments.map((p) => ({ text: `Assessment of ${p.host} failed: ${p.detail}` }))];
  const patchedMachines = new Set(d.deployments.flatMap((dep) => dep.items.filter((i) => i.state === 'installed').map((i) => i.host)));
  const attention: MailLine[] = [
    ...d.reboots.map((p) => ({ text: `${p.host} needs a reboot (${p.detail})` })),
    ...d.unhealthy.map(problem),
    ...(d.approvals.versions > 0
      ? [{ text: `${d.approvals.versions} approved version${d.approvals.versions === 1 ? '' : 's'} on ${d.approvals.machines} machine${d.approvals.machines === 1 ? '' : 's'} waiting to be deployed (Patches page)` }]
      : []),
    ...d.waiting.map((w) => ({
      text: `Deployment #${w.id}${w.title ? ` "${w.title}"` : ''} ${w.state === 'interrupted' ? 'was interrupted: resume or repair it on the Deployments page' : 'is waiting for its maintenance window'}`,
    })),
  ];
  const kevMachines = new Set(d.allKev.map((f) => f.hostId)).size;
  const subject = [
    `Patchwell digest: ${patchedMachines.size} machine${patchedMachines.size === 1 ? '' : 's'} patched`,
    `${failed.length} failed`,
    `${attention.length} to look at`,
    ...(d.newKev.length ? [`${d.newKev.length} new known-exploited`] : []),
  ].join(', ');
  return renderMail({
    subject,
    intro: `What happened in Patchwell from ${when(d.since)} to ${when(d.now)}.`,
    sections: [
      {
        heading: 'Patched',
        lines: d.deployments.map((dep) => ({ text: deploymentTitle(dep), sub: dep.items.map(itemText) })),
        empty: 'No deployment finished.',
      },
      { heading: 'Failed', lines: failed, empty: 'Nothing failed.' },
      { heading: 'Needs attention', lines: attention, empty: 'Nothing waits for you.' },
      {
        heading: 'Known-exploited vulnerabilities (CISA KEV)',
        lines: [
          ...d.newKev.map((f) => ({ text: `New: ${kevText(f)}` })),
          ...(d.allKev.length ? [{ text: `Open in all: ${d.allKev.length} finding${d.allKev.length === 1 ? '' : 's'} on ${kevMachines} machine${kevMachines === 1 ? '' : 's'} (Patches page)` }] : []),
        ],
        empty: 'No open update fixes a known-exploited vulnerability.',
      },
    ],
  });
}
