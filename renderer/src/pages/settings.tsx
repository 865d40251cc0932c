import { useEffect } from 'react';
import type { AppSettings } from '../../../shared/contract';
import { BackgroundSection } from '../components/background-section';
import { CredentialsSection } from '../components/credentials-section';
import { FeedsSection } from '../components/feeds-section';
import { MailSection } from '../components/mail-section';
import { OfficeCacheSection } from '../components/office-cache-section';
import { PoliciesSection } from '../components/policies-section';
import { TagProfilesSection } from '../components/tag-profiles-section';
import { useSettingsStore } from '../stores/settings-store';
import { useUiStore, type Theme } from '../stores/ui-store';

export function SettingsPage() {
  const theme = useUiStore((s) => s.theme);
  const setTheme = useUiStore((s) => s.setTheme);
  const info = useSettingsStore((s) => s.info);
  const settings = useSettingsStore((s) => s.settings);
  const { load, update } = useSettingsStore.getState();
  const toast = useUiStore((s) => s.toast);
  useEffect(() => {
    void load();
  }, [load]);
  const change = (patch: Partial<AppSettings>): void => {
    void update(patch).catch((e: unknown) => toast('error', String(e)));
  };
  return (
    <div className="page">
      <header className="page-head">
        <h1>Settings</h1>
      </header>
      <section className="form">
        <div className="field">
          <label htmlFor="theme">Theme</label>
          <select id="theme" value={theme} onChange={(e) => setTheme(e.target.value as Theme)}>
            <option value="system">Follow the system</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
        </div>
        {settings && (
          <>
            <label className="inline">
              <input
                type="checkbox"
                checked={settings.refreshPackageLists}
                onChange={(e) => change({ refreshPackageLists: e.target.checked })}
              />
              Refresh package lists before each assessment (apt-get update; needs sudo on the machine)
            </label>
            <div className="field">
              <label htmlFor="concurrency">Machines worked on at once</label>
              <select id="concurrency" value={settings.maxConcurrentHosts} onChange={(e) => change({ maxConcurrentHosts: Number(e.target.value) })}>
                {[1, 2, 4, 8, 16, 32].map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </div>
          </>
        )}
      </section>
      <CredentialsSection />
      <FeedsSection />
      <PoliciesSection />
      <TagProfilesSection />
      <MailSection />
      <OfficeCacheSection />
      {info?.runtime === 'electron' && <BackgroundSection />}
      {info && (
        <section aria-label="About">
          <h2>About</h2>
          <dl>
            <dt>Version</dt>
            <dd>{info.version}</dd>
            <dt>Data folder</dt>
            <dd>
              <code>{info.dataDir}</code>
            </dd>
            <dt>Database schema</dt>
            <dd>{info.schemaVersion}</dd>
            <dt>Running in</dt>
            <dd>{info.runtime === 'electron' ? 'the desktop app' : 'a browser, through the headless host'}</dd>
          </dl>
        </section>
      )}
    </div>
  );
}
