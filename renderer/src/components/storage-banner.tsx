import { useStorageStore } from '../stores/storage-store';
import { useUiStore } from '../stores/ui-store';

/** On every page while the data folder is full: what it means, and the one thing to do. */
export function StorageBanner() {
  const storage = useStorageStore((s) => s.storage);
  const checking = useStorageStore((s) => s.checking);
  const check = useStorageStore((s) => s.check);
  const toast = useUiStore((s) => s.toast);
  if (storage?.state !== 'full') return null;
  return (
    <div className="banner error" role="alert">
      <strong>The data folder is full.</strong> {storage.message}
      <button
        type="button"
        disabled={checking}
        onClick={() =>
          void check().then(
            () => {
              if (useStorageStore.getState().storage?.state === 'ok') toast('info', 'There is room again: interrupted deployments can be repaired on the Deployments page');
            },
            (e: unknown) => toast('error', `Could not check: ${String(e)}`),
          )
        }
      >
        {checking ? 'Checking…' : 'Check again'}
      </button>
    </div>
  );
}
