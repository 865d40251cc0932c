import { useState } from 'react';
import type { AuditEntry, AuditVerifyResult } from '../../../shared/contract';
import { appService } from '../services/hosts-service';
import { useUiStore } from '../stores/ui-store';

export function ReportsPage() {
  const [verify, setVerify] = useState<AuditVerifyResult | null>(null);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const toast = useUiStore((s) => s.toast);
  const run = async (): Promise<void> => {
    try {
      const [v, list] = await Promise.all([appService.auditVerify(), appService.auditList(100)]);
      setVerify(v);
      setEntries(list);
    } catch (err) {
      toast('error', err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <div className="page">
      <header className="page-head">
        <h1>Reports</h1>
        <div className="toolbar">
          <button type="button" onClick={() => void run()}>
            Verify the audit trail
          </button>
        </div>
      </header>
      <p className="hint">
        Every change Patchwell makes is recorded in an append-only audit trail in which each entry seals the one before it.
        Verify it to prove nothing was altered.
      </p>
      {verify && (
        <div className={`banner ${verify.ok ? 'good' : 'error'}`} role="status">
          {verify.ok
            ? `Audit trail intact: ${verify.rows} entries, head ${verify.head.slice(0, 16)}…`
            : `Audit trail broken at entry ${verify.firstBrokenId}: ${verify.reason}`}
        </div>
      )}
      {entries && entries.length > 0 && (
        <table className="grid" aria-label="Audit trail">
          <thead>
            <tr>
              <th>#</th>
              <th>When</th>
              <th>Who</th>
              <th>What</th>
              <th>Target</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td>{e.id}</td>
                <td>{new Date(e.ts).toLocaleString()}</td>
                <td>{e.actor}</td>
                <td>{e.action}</td>
                <td>{e.targetType ? `${e.targetType} ${e.targetId ?? ''}` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
