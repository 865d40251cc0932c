import type { ReactNode } from 'react';

/** What a first-time user sees where there is nothing yet: what this is, and the next step. */
export function EmptyState(props: { title: string; children: ReactNode; action?: ReactNode }) {
  return (
    <section className="empty-state" aria-label={props.title}>
      <h2>{props.title}</h2>
      <div className="empty-text">{props.children}</div>
      {props.action && <div className="empty-action">{props.action}</div>}
    </section>
  );
}
