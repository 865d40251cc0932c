import type { ReactNode } from 'react';

/** The frame both detail views share: a Close button, the load error, and "Loading…" until the data is there. */
export function DetailFrame(props: { onClose: () => void; error: string | null | undefined; loading: boolean; children: ReactNode }) {
  return (
    <div className="detail-view">
      <div className="actions top">
        <button type="button" onClick={props.onClose}>
          Close
        </button>
      </div>
      {props.error && (
        <div className="banner error" role="alert">
          {props.error}
        </div>
      )}
      {props.loading && <p className="hint">Loading…</p>}
      {props.children}
    </div>
  );
}
