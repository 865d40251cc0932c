import { useEffect } from 'react';
import { useLive } from './stores/use-live';
import { useUiStore, type Page } from './stores/ui-store';
import { FirstContactDialog } from './components/first-contact-dialog';
import { JobsTray } from './components/jobs-tray';
import { Toasts } from './components/toasts';
import { DashboardPage } from './pages/dashboard';
import { MachinesPage } from './pages/machines';
import { PatchesPage } from './pages/patches';
import { DeploymentsPage } from './pages/deployments';
import { ReportsPage } from './pages/reports';
import { SettingsPage } from './pages/settings';

const NAV: { page: Page; label: string }[] = [
  { page: 'dashboard', label: 'Dashboard' },
  { page: 'machines', label: 'Machines' },
  { page: 'patches', label: 'Patches' },
  { page: 'deployments', label: 'Deployments' },
  { page: 'reports', label: 'Reports' },
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
}

export function App() {
  useTheme();
  useLiveData();
  const page = useUiStore((s) => s.page);
  const go = useUiStore((s) => s.go);
  const connection = useUiStore((s) => s.connection);
  return (
    <div className="shell">
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
      </nav>
      <main className="content">
        {connection === 'closed' && (
          <div className="banner error" role="alert">
            Lost the connection to the Patchwell core. Reconnecting… Work in progress continues on the core.
          </div>
        )}
        {page === 'dashboard' && <DashboardPage />}
        {page === 'machines' && <MachinesPage />}
        {page === 'patches' && <PatchesPage />}
        {page === 'deployments' && <DeploymentsPage />}
        {page === 'reports' && <ReportsPage />}
        {page === 'settings' && <SettingsPage />}
      </main>
      <JobsTray />
      <Toasts />
      <FirstContactDialog />
    </div>
  );
}
