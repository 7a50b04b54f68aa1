import { open } from "@tauri-apps/plugin-dialog";
import { useEffect, useId, useState } from "react";
import type { FolderKind, Settings, TeamView } from "../bindings";
import { api } from "../lib/api";
import { describeUnknown } from "../lib/errors";
import type { ThemeChoice } from "../hooks/useTheme";
import { ProviderPanel } from "../components/ProviderPanel";
import { TeamPanel } from "../components/TeamPanel";

interface Props {
  theme: ThemeChoice;
  onThemeChange: (t: ThemeChoice) => void;
  /** Sign-in changed (the sidebar shows who is signed in). */
  onTeamChange?: (team: TeamView) => void;
}

interface PathRowProps {
  label: string;
  path: string;
  hint: string;
  /** The folder chosen for the next start, if it differs. */
  next?: string | null;
  /** Why it cannot be changed here (set by an environment variable). */
  locked?: string | null;
  onChange?: () => void;
  onReset?: () => void;
}

function PathRow({ label, path, hint, next, locked, onChange, onReset }: PathRowProps) {
  return (
    <div className="setting-row">
      <div className="setting-label">
        <span>{label}</span>
        <span className="setting-hint">{locked ?? hint}</span>
        {next && <span className="setting-hint text-accent">From the next start: {next}</span>}
      </div>
      <div className="path-actions">
        <code className="path" title={path}>
          <span className="path-text">{path}</span>
        </code>
        {onChange && !locked && (
          <button type="button" className="btn btn-ghost btn-small" onClick={onChange} aria-label={`Change the ${label.toLowerCase()} folder`}>
            Change…
          </button>
        )}
        {onReset && next && !locked && (
          <button type="button" className="btn btn-ghost btn-small" onClick={onReset}>
            Keep current
          </button>
        )}
      </div>
    </div>
  );
}

const THEMES: { value: ThemeChoice; label: string }[] = [
  { value: "system", label: "System" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];

export function SettingsView({ theme, onThemeChange, onTeamChange }: Props) {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const concurrencyId = useId();

  useEffect(() => {
    let live = true;
    api.getSettings().then(
      (s) => {
        if (!live) return;
        setSettings(s);
        setError(null);
      },
      (e: unknown) => {
        if (live) setError(describeUnknown(e));
      },
    );
    return () => {
      live = false;
    };
  }, []);

  const chooseFolder = async (which: FolderKind, reset = false) => {
    try {
      let path: string | null = null;
      if (!reset) {
        const picked = await open({ title: which === "library" ? "Choose the library folder" : "Choose the model folder", directory: true, multiple: false });
        if (!picked) return;
        path = Array.isArray(picked) ? (picked[0] ?? null) : picked;
      } else if (settings) {
        // "Keep current": choose the folder that is open now.
        path = which === "library" ? settings.dataDir : settings.modelDir;
      }
      setSettings(await api.chooseFolder(which, path));
      setError(null);
    } catch (e) {
      setError(describeUnknown(e));
    }
  };

  const changeConcurrency = async (n: number) => {
    setSaving(true);
    try {
      setSettings(await api.setConcurrency(n));
      setError(null);
    } catch (e) {
      setError(describeUnknown(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="view view-settings" aria-labelledby="settings-title">
      <header className="view-header">
        <div>
          <h1 id="settings-title">Settings</h1>
          <p className="view-subtitle">Everything stays on this computer.</p>
        </div>
      </header>

      {error && (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      )}

      <div className="settings-sections">
        <section className="panel" aria-labelledby="appearance-title">
          <h2 id="appearance-title">Appearance</h2>
          <div className="setting-row">
            <div className="setting-label">
              <span id="theme-label">Theme</span>
              <span className="setting-hint">System follows your desktop's light or dark mode.</span>
            </div>
            <div className="segmented" role="radiogroup" aria-labelledby="theme-label">
              {THEMES.map((t) => (
                <button
                  key={t.value}
                  type="button"
                  role="radio"
                  aria-checked={theme === t.value}
                  className={theme === t.value ? "segment segment-on" : "segment"}
                  onClick={() => onThemeChange(t.value)}
                >
                  {t.label}
                </button>
              ))}
            </div>
          </div>
        </section>

        <section className="panel" aria-labelledby="indexing-title">
          <h2 id="indexing-title">Indexing</h2>
          <div className="setting-row">
            <div className="setting-label">
              <label htmlFor={concurrencyId}>Videos at a time</label>
              <span className="setting-hint">More is faster on many cores; fewer keeps the computer responsive.</span>
            </div>
            {settings ? (
              <select
                id={concurrencyId}
                value={settings.concurrency}
                disabled={saving}
                onChange={(e) => void changeConcurrency(Number(e.target.value))}
              >
                {Array.from({ length: Math.max(1, settings.maxConcurrency) }, (_, i) => i + 1).map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            ) : (
              <span className="muted">…</span>
            )}
          </div>
        </section>

        <section className="panel" aria-labelledby="storage-title">
          <h2 id="storage-title">Storage</h2>
          {settings ? (
            <>
              <PathRow
                label="Library"
                path={settings.dataDir}
                hint="The database of videos, scenes and transcripts."
                next={settings.nextDataDir}
                locked={settings.dataDirFromEnv ? "Set by HEIMDEX_DATA_DIR." : null}
                onChange={settings.canChooseDirs ? () => void chooseFolder("library") : undefined}
                onReset={() => void chooseFolder("library", true)}
              />
              <PathRow label="Cache" path={settings.cacheDir} hint="Posters and thumbnails; safe to delete." />
              <PathRow
                label="Models"
                path={settings.modelDir}
                hint="Speech and search models."
                next={settings.nextModelDir}
                locked={settings.modelDirFromEnv ? "Set by HEIMDEX_MODEL_DIR." : null}
                onChange={settings.canChooseDirs ? () => void chooseFolder("models") : undefined}
                onReset={() => void chooseFolder("models", true)}
              />
              {(settings.nextDataDir || settings.nextModelDir) && (
                <div className="setting-row">
                  <span className="setting-hint">The new folders are used after a restart; indexing resumes where it stopped.</span>
                  <button type="button" className="btn btn-primary btn-small" onClick={() => void api.restartApp().catch((e: unknown) => setError(describeUnknown(e)))}>
                    Restart now
                  </button>
                </div>
              )}
            </>
          ) : (
            <p className="muted">Loading…</p>
          )}
        </section>

        <section className="panel" aria-labelledby="models-title">
          <h2 id="models-title">Models</h2>
          {settings && settings.models.length > 0 ? (
            <ul className="model-list">
              {settings.models.map((m) => (
                <li key={m.name} className="setting-row">
                  <div className="setting-label">
                    <span>{m.name}</span>
                    <span className="setting-hint">{m.purpose}</span>
                  </div>
                  <span className={m.installed ? "status-pill status-ready" : "status-pill status-cancelled"} title={m.path}>
                    {m.installed ? "Installed" : "Not installed"}
                  </span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">{settings ? "No models are needed by the stages in this build." : "Loading…"}</p>
          )}
        </section>

        <ProviderPanel />
        <TeamPanel onChange={onTeamChange} />

        {settings && <p className="about muted">Heimdex {settings.version}</p>}
      </div>
    </section>
  );
}
