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

/** The end of a form: the core's message that belongs to no one field, then Cancel and the submit button. */
export function FormActions(props: { error: string | undefined; busy: boolean; submitLabel: string; onCancel: () => void }) {
  return (
    <>
      {props.error && (
        <div className="field-error" role="alert">
          {props.error}
        </div>
      )}
      <div className="actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={props.busy}>
          {props.submitLabel}
        </button>
      </div>
    </>
  );
}
