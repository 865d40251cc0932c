import type { ReactNode } from 'react';

/** A labelled form field with its hint, or the core's message for it when there is one. */
export function Field(props: { id: string; label: string; error: string | undefined; hint?: string; children: ReactNode }) {
  return (
    <div className={props.error ? 'field has-error' : 'field'}>
      <label htmlFor={props.id}>{props.label}</label>
      {props.children}
      {props.hint && !props.error && <div className="hint">{props.hint}</div>}
      {props.error && (
        <div className="field-error" id={`${props.id}-error`} role="alert">
          {props.error}
        </div>
      )}
    </div>
  );
}
