import { useCallback, useEffect, useState } from 'react';
import { useLive } from './stores/use-live';
import { useUiStore, type Page } from './stores/ui-store';
import { FirstContactDialog } from './components/first-contact-dialog';
import { StorageBanner } from './components/storage-banner';
import { JobsTray } from './components/jobs-tray';
import { Toasts } from './components/toasts';
import { noticeIdFromHash, useNoticesStore } from './stores/notices-store';
import { DashboardPage } from './pages/dashboard';
import { MachinesPage } from './pages/machines';
import { PatchesPage } from './pages/patches';
import { DeploymentsPage } from './pages/deployments';
import { ReportsPage } from './pages/reports';
import { SchedulesPage } from './pages/schedules';
import { SettingsPage } from './pages/settings';
import { useHashRoute } from './nav/use-hash-route';
import { useShortcuts } from './nav/use-shortcuts';
import { ShortcutsHelp } from './components/shortcuts-help';
import { SkipLink } from './components/skip-link';

const NAV: { page: Page; label: string }[] = [
  { page: 'dashboard', label: 'Dashboard' },
  { page: 'machines', label: 'Machines' },
  { page: 'patches', label: 'Patches' },
  { page: 'deployments', label: 'Deployments' },
  { page: 'reports', label: 'Reports' },
  { page: 'schedules', label: 'Schedules' },
  { page: 'settings', label: 'Settings' },
];

function useTheme(): void {
  const theme = useUiStore((s) => s.theme);
  useEffect(() => {
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const apply = (): void => {
      const dark = theme === 'dark' || (theme === 'system' && media.matches);
      document.documentElement.dataset.theme = dark ? 'dark' : 'light';
    };
    apply();
    media.addEventListener('change', apply);
    return () => media.removeEventListener('change', apply);
  }, [theme]);
}

/** The inventory and the job tray are on every page, so they stay live for as long as the app runs. */
function useLiveData(): void {
  useLive('hosts');
  useLive('jobs');
  useLive('storage');
  useLive('notices');
}

/** A window the desktop opened for a clicked OS notification carries the notice in its address (#notice=12). */
function useNoticeFromAddress(): void {
  useEffect(() => {
    const id = noticeIdFromHash(window.location.hash);
    if (id === null) return;
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
    void useNoticesStore.getState().openById(id).catch(() => undefined);
  }, []);
}

export function App() {
  useTheme();
  useLiveData();
  useNoticeFromAddress();
  useHashRoute();
  const [help, setHelp] = useState(false);
  const openHelp = useCallback(() => setHelp(true), []);
  useShortcuts(openHelp);
  const page = useUiStore((s) => s.page);
  const go = useUiStore((s) => s.go);
  const connection = useUiStore((s) => s.connection);
  return (
    <div className="shell">
      <SkipLink target="content" />
      <nav className="sidebar" aria-label="Main">
        <div className="brand">Patchwell</div>
        <ul>
          {NAV.map((n) => (
            <li key={n.page}>
              <button
                type="button"
                className={page === n.page ? 'nav-item active' : 'nav-item'}
                aria-current={page === n.page ? 'page' : undefined}
                onClick={() => go(n.page)}
              >
                {n.label}
              </button>
            </li>
          ))}
        </ul>
        <button type="button" className="nav-help" onClick={openHelp}>
          Keyboard shortcuts <kbd>?</kbd>
        </button>
      </nav>
      <main className="content" id="content" tabIndex={-1}>
        {connection === 'closed' && (
          <div className="banner error" role="alert">
            Lost the connection to the Patchwell core. Reconnecting… Work in progress continues on the core.
          </div>
        )}
        <StorageBanner />
        {page === 'dashboard' && <DashboardPage />}
        {page === 'machines' && <MachinesPage />}
        {page === 'patches' && <PatchesPage />}
        {page === 'deployments' && <DeploymentsPage />}
        {page === 'reports' && <ReportsPage />}
        {page === 'settings' && <SettingsPage />}
        {page === 'schedules' && <SchedulesPage />}
      </main>
      <div className="dock">
        <Toasts />
        <JobsTray />
      </div>
      <FirstContactDialog />
      <ShortcutsHelp open={help} onClose={() => setHelp(false)} />
    </div>
  );
}
