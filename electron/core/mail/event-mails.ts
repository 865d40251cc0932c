/**
 * The mails sent when something happens: a deployment or rollback finished (or failed), an assessment failed,
 * machines newly need a reboot, updates newly fix a known-exploited vulnerability. Composed from the database
 * as it stands when the event arrives.
 */
import type { EventPayload, MailEventToggles } from '../../../shared/contract';
import type { Db } from '../db/open';
import { deploymentTitle, failedItemText, itemFailed, itemText, kevText } from './digest';
import type { MailKind } from './deliver';
import { renderMail } from './mail-doc';
import { deploymentLine, failedAssessments, targetFailures, type KevFinding, type MachineProblem } from './mail-queries';
import type { OutgoingMail } from './smtp';

export interface EventMail {
  kind: MailKind;
  mail: OutgoingMail;
}

/** A finished deployment: a failure mail when any machine failed, else a finished one; null when switched off. */
export function deployFinishedMail(db: Db, e: EventPayload<'deploy/finished'>, on: MailEventToggles): EventMail | null {
  const c = e.counts;
  const failures = c.failed + c['rolled-back'] + c['rollback-failed'];
  const failed = failures > 0 || e.state === 'failed' || e.state === 'halted';
  // A deployment that failed still finished: with failure mails off, the "finished" switch still reports it.
  if (!(failed ? on.failure || on.deployFinished : on.deployFinished)) return null;
  const d = deploymentLine(db, e.deploymentId);
  const what = e.kind === 'rollback' ? `Rollback #${e.deploymentId}` : `Deployment #${e.deploymentId}`;
  const subject = failed
    ? `Patchwell: ${what} failed on ${failures || 'some'} machine${failures === 1 ? '' : 's'}`
    : `Patchwell: ${what} finished, ${c.succeeded} machine${c.succeeded === 1 ? '' : 's'} ${e.kind === 'rollback' ? 'rolled back' : 'patched'}`;
  const counts = `Succeeded ${c.succeeded}; failed before any change ${c.failed}; rolled back ${c['rolled-back']}; rollback failed ${c['rollback-failed']}; not started ${c.skipped + c.cancelled}.`;
  const items = d?.items ?? [];
  const why = targetFailures(db, e.deploymentId);
  return {
    kind: failed ? 'failure' : 'deploy-finished',
    mail: renderMail({
      subject,
      intro: d ? deploymentTitle(d) : `${what}: ${e.state}`,
      sections: [
        { heading: 'Machines', lines: [{ text: counts }] },
        ...(failed && d ? [{ heading: 'What failed', lines: items.filter((i) => itemFailed(d, i)).map((i) => ({ text: failedItemText(i, why) })), empty: 'See the Deployments page.' }] : []),
        { heading: 'Versions', lines: items.map((i) => ({ text: itemText(i) })), empty: 'No version was part of it.' },
        { heading: 'Where to look', lines: [{ text: `Deployments page, ${what.toLowerCase()}: its log per machine${failed ? ', and Resume, Repair or Roll back' : ''}.` }] },
      ],
    }),
  };
}

/** An assessment in which some machines could not be assessed. */
export function assessFailedMail(db: Db, e: EventPayload<'assess/finished'>, on: MailEventToggles): EventMail | null {
  if (!on.failure || e.counts.failed === 0) return null;
  const failed = failedAssessments(db, { jobId: e.jobId });
  const n = e.counts.failed;
  return {
    kind: 'failure',
    mail: renderMail({
      subject: `Patchwell: assessment failed on ${n} machine${n === 1 ? '' : 's'}`,
      intro: `${e.counts.ok} of ${e.hostIds.length} machines were assessed; ${n} could not be.`,
      sections: [
        { heading: 'Not assessed', lines: failed.map((p) => ({ text: `${p.host}: ${p.detail}` })), empty: 'See the job in Patchwell.' },
        { heading: 'Where to look', lines: [{ text: 'Machines page: each machine shows its last error; the job log has the details.' }] },
      ],
    }),
  };
}

export function rebootMail(fresh: readonly MachineProblem[]): EventMail {
  const n = fresh.length;
  return {
    kind: 'reboot',
    mail: renderMail({
      subject: `Patchwell: ${n} machine${n === 1 ? '' : 's'} need${n === 1 ? 's' : ''} a reboot`,
      intro: 'These machines report that a reboot is needed to finish their updates.',
      sections: [
        { heading: 'Needs a reboot', lines: fresh.map((p) => ({ text: `${p.host} (${p.detail})` })) },
        { heading: 'Where to look', lines: [{ text: 'Machines page. Patchwell reboots only machines allowed to reboot, inside their maintenance window.' }] },
      ],
    }),
  };
}

export function kevMail(fresh: readonly KevFinding[]): EventMail {
  const n = fresh.length;
  return {
    kind: 'kev',
    mail: renderMail({
      subject: `Patchwell: ${n} new known-exploited finding${n === 1 ? '' : 's'}`,
      intro: 'Updates are open that fix vulnerabilities on CISA’s Known Exploited Vulnerabilities list: attackers use them now.',
      sections: [
        { heading: 'New known-exploited findings', lines: fresh.map((f) => ({ text: kevText(f) })) },
        { heading: 'Where to look', lines: [{ text: 'Patches page: approve the fixes, then deploy them in the next window.' }] },
      ],
    }),
  };
}
