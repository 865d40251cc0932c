import { useEffect, useState } from 'react';
import type { AppSettings, CallResult } from '../../../shared/contract';
import { assessService } from '../services/assess-service';
import { CredentialsSection } from '../components/credentials-section';
import { FeedsSection } from '../components/feeds-section';
import { PoliciesSection } from '../components/policies-section';
import { TagProfilesSection } from '../components/tag-profiles-section';
import { appService } from '../services/hosts-service';
import { useUiStore, type Theme } from '../stores/ui-store';

export function SettingsPage() {
  const theme = useUiStore((s) => s.theme);
  const setTheme = useUiStore((s) => s.setTheme);
  const [info, setInfo] = useState<CallResult<'app/info'> | null>(null);
  const [settings, setSettings] = useState<AppSettings | null>(null);
  const toast = useUiStore((s) => s.toast);
  useEffect(() => {
    void appService.info().then(setInfo, () => setInfo(null));
    void assessService.settings().then(setSettings, () => setSettings(null));
  }, []);
  const change = (patch: Partial<AppSettings>): void => {
    void assessService.updateSettings(patch).then(setSettings, (e: unknown) => toast('error', String(e)));
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
