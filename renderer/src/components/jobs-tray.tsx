import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Job } from '../../../shared/contract';
import { jobsSelectors, useJobsStore } from '../stores/jobs-store';
import { noticesSelectors, useNoticesStore } from '../stores/notices-store';
import { useUiStore } from '../stores/ui-store';
import { NoticesPanel } from './notices-panel';
import { Progress } from './progress';

const STATE_LABEL: Record<Job['state'], string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Done',
  failed: 'Failed',
  partial: 'Partly done',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
};

function JobRow({ job }: { job: Job }) {
  const [open, setOpen] = useState(false);
  const targets = useJobsStore((s) => s.targets[job.id]);
  const log = useJobsStore((s) => s.logs[job.id]);
  const loadLog = useJobsStore((s) => s.loadLog);
  const cancel = useJobsStore((s) => s.cancel);
  const toast = useUiStore((s) => s.toast);
  const active = jobsSelectors.isActive(job);
  const toggle = (): void => {
    if (!open) void loadLog(job.id).catch((e: unknown) => toast('error', String(e)));
    setOpen(!open);
  };
  return (
    <li className={`job job-${job.state}`} data-job-id={job.id}>
      <div className="job-head">
        <button type="button" className="link job-title" aria-expanded={open} onClick={toggle}>
          {job.title}
        </button>
        <span className={`badge state-${job.state}`}>{STATE_LABEL[job.state]}</span>
        {active && (
          <button type="button" className="small" onClick={() => void cancel(job.id)}>
            Cancel
          </button>
        )}
      </div>
      <Progress current={job.current} total={job.total} label={`${job.title} progress`} state={job.state} />
      <div className="job-meta">
        {job.current} of {job.total}
        {job.summary ? ` — ${job.summary}` : ''}
        {job.error ? ` — ${job.error}` : ''}
      </div>
      {job.state === 'interrupted' && (
        <div className="hint">Patchwell stopped during this job. Each machine below shows the step it had reached.</div>
      )}
      {open && (
        <div className="job-detail">
          {targets && targets.length > 0 && (
            <table className="compact">
              <thead>
                <tr>
                  <th>Target</th>
                  <th>State</th>
                  <th>Step</th>
                  <th>Problem</th>
                </tr>
              </thead>
              <tbody>
                {targets.map((t) => (
                  <tr key={t.target}>
                    <td>{t.target}</td>
                    <td>{t.state}</td>
                    <td>{t.step ?? '—'}</td>
                    <td>
                      {t.failure ? (
                        <details>
                          <summary>{t.failure.message}</summary>
                          {t.failure.command && <code>{t.failure.command}</code>}
                          {t.failure.exitCode !== null && <div>exit code {t.failure.exitCode}</div>}
                          {t.failure.stderrTail && <pre>{t.failure.stderrTail}</pre>}
                        </details>
                      ) : (
                        ''
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <pre className="job-log" aria-label="Job log">
            {(log ?? []).map((l) => `${new Date(l.ts).toLocaleTimeString()} ${l.level.toUpperCase()} ${l.target ? `[${l.target}] ` : ''}${l.message}`).join('\n') || 'No log lines yet.'}
          </pre>
        </div>
      )}
    </li>
  );
}

/**
 * The tray: a bar the layout reserves at the bottom of the page (it never lies over the page), collapsed by
 * default, with a badge for jobs running or ended unseen and one for unseen notices. Either list opens above the
 * bar, in the same reserved area.
 */
export function JobsTray() {
  const open = useJobsStore((s) => s.trayOpen);
  const listed = useJobsStore(useShallow(jobsSelectors.listed));
  const running = useJobsStore((s) => jobsSelectors.active(s).length);
  const badge = useJobsStore(jobsSelectors.badge);
  const finished = useJobsStore(jobsSelectors.finishedCount);
  const { setTrayOpen, clearFinished } = useJobsStore.getState();
  const noticesOpen = useNoticesStore((s) => s.open);
  const unseenNotices = useNoticesStore(noticesSelectors.unseenCount);
  const setNoticesOpen = useNoticesStore((s) => s.setOpen);
  const toggleJobs = (): void => {
    setTrayOpen(!open);
    if (!open) setNoticesOpen(false);
  };
  const toggleNotices = (): void => {
    setNoticesOpen(!noticesOpen);
    if (!noticesOpen) setTrayOpen(false);
  };
  return (
    <aside className={`jobs-tray${open || noticesOpen ? ' open' : ''}`} aria-label="Jobs">
      {open && (
        <section className="tray-panel" aria-label="Job list">
          <div className="tray-panel-head">
            <h2>Jobs</h2>
            <button type="button" className="small" disabled={finished === 0} onClick={clearFinished}>
              Clear finished
            </button>
          </div>
          {listed.length > 0 ? (
            <ul className="job-list">
              {listed.map((j) => (
                <JobRow key={j.id} job={j} />
              ))}
            </ul>
          ) : (
            <p className="hint">No jobs. Scans, assessments and deployments appear here.</p>
          )}
        </section>
      )}
      {noticesOpen && <NoticesPanel />}
      <div className="tray-bar">
        <button type="button" className="tray-toggle" aria-expanded={open} onClick={toggleJobs}>
          Jobs
          {badge > 0 && <span className="count-badge">{badge}</span>}
        </button>
        <span className="tray-status" aria-live="polite">
          {running > 0 ? `${running} running` : ''}
        </span>
        <button type="button" className="tray-toggle" aria-expanded={noticesOpen} onClick={toggleNotices}>
          Notices
          {unseenNotices > 0 && <span className="count-badge">{unseenNotices}</span>}
        </button>
      </div>
    </aside>
  );
}
