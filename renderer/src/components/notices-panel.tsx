import { useShallow } from 'zustand/react/shallow';
import type { Notice } from '../../../shared/contract';
import { ago } from '../format';
import { noticesSelectors, useNoticesStore } from '../stores/notices-store';
import { useUiStore } from '../stores/ui-store';

const SEVERITY_LABEL: Record<Notice['severity'], string> = { info: 'Done', warning: 'Attention', error: 'Problem' };

/** The notices list in the tray: each opens its page and counts as seen. */
export function NoticesPanel() {
  const notices = useNoticesStore((s) => s.notices);
  const unseen = useNoticesStore(useShallow(noticesSelectors.unseen));
  const { openNotice, markAllSeen, clearSeen } = useNoticesStore.getState();
  const toast = useUiStore((s) => s.toast);
  const fail = (e: unknown): void => toast('error', e instanceof Error ? e.message : String(e));
  return (
    <section className="tray-panel" aria-label="Notices">
      <div className="tray-panel-head">
        <h2>Notices</h2>
        <button type="button" className="small" disabled={unseen.length === 0} onClick={() => void markAllSeen().catch(fail)}>
          Mark all seen
        </button>
        <button type="button" className="small" disabled={notices.length === unseen.length} onClick={() => void clearSeen().catch(fail)}>
          Clear seen
        </button>
      </div>
      {notices.length === 0 ? (
        <p className="hint">No notices. Finished deployments, failures, machines to restart and new known-exploited findings appear here.</p>
      ) : (
        <ul className="notice-list">
          {notices.map((n) => (
            <li key={n.id} className={`notice ${n.severity}${n.seenAt === null ? ' unseen' : ''}`} data-notice-id={n.id}>
              <div className="notice-head">
                <span className={`badge notice-${n.severity}`}>{SEVERITY_LABEL[n.severity]}</span>
                <button type="button" className="link notice-title" onClick={() => void openNotice(n).catch(fail)}>
                  {n.title}
                </button>
                <span className="notice-time">{ago(n.createdAt)}</span>
              </div>
              <div className="notice-body">{n.body}</div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
