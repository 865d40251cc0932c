import { SHORTCUT_HELP } from '../nav/shortcuts';
import { Dialog } from './dialog';

/** The keyboard shortcuts, opened with "?" or from the sidebar. */
export function ShortcutsHelp(props: { open: boolean; onClose: () => void }) {
  return (
    <Dialog title="Keyboard shortcuts" open={props.open} onClose={props.onClose}>
      <p className="hint">Shortcuts never act while you type in a field.</p>
      <dl className="shortcuts">
        {SHORTCUT_HELP.map((s) => (
          <div key={s.keys}>
            <dt>
              <kbd>{s.keys}</kbd>
            </dt>
            <dd>{s.what}</dd>
          </div>
        ))}
      </dl>
      <div className="actions">
        <button type="button" className="primary" onClick={props.onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
