import { useCallback, useEffect, useId, useState, type FormEvent } from "react";
import type { TeamView } from "../bindings";
import { api } from "../lib/api";
import { describeUnknown } from "../lib/errors";
import { formatAgo } from "../lib/format";

/** Providers offered for the browser sign-in (Supabase Auth's names). */
export const PROVIDERS: { value: string; label: string }[] = [
  { value: "github", label: "GitHub" },
  { value: "google", label: "Google" },
  { value: "gitlab", label: "GitLab" },
  { value: "azure", label: "Microsoft" },
  { value: "apple", label: "Apple" },
];

/** How often the panel refreshes what waits to be pushed. */
const POLL_MS = 5_000;

type Busy = "server" | "password" | "browser" | "signOut" | "sync" | "backend" | null;

/** Team backends: the URL each expects. */
const BACKENDS = [
  { value: "postgres", label: "PostgreSQL + pgvector", placeholder: "postgres://user@db.example.com/heimdex", secret: "Database password" },
  { value: "qdrant", label: "Qdrant", placeholder: "https://qdrant.example.com:6334", secret: "API key (the team's, or the server's)" },
] as const;
type BackendKind = (typeof BACKENDS)[number]["value"];

/** Sign-in to a Supabase-compatible server and the state of team sync. */
export function TeamPanel({ onChange }: { onChange?: (team: TeamView) => void }) {
  const [team, setTeam] = useState<TeamView | null>(null);
  const [serverUrl, setServerUrl] = useState("");
  const [anonKey, setAnonKey] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [provider, setProvider] = useState("github");
  const [busy, setBusy] = useState<Busy>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const urlId = useId();
  const keyId = useId();
  const emailId = useId();
  const passwordId = useId();
  const providerId = useId();
  const [backendKind, setBackendKind] = useState<BackendKind>("qdrant");
  const [backendUrl, setBackendUrl] = useState("");
  const [teamId, setTeamId] = useState("");
  const [secret, setSecret] = useState("");
  const [prepare, setPrepare] = useState(false);
  const kindId = useId();
  const backendUrlId = useId();
  const teamIdId = useId();
  const secretId = useId();
  const prepareId = useId();

  const show = useCallback(
    (t: TeamView) => {
      setTeam(t);
      onChange?.(t);
    },
    [onChange],
  );

  useEffect(() => {
    let live = true;
    const load = (first: boolean) =>
      api.getTeam().then(
        (t) => {
          if (!live || !t) return;
          show(t);
          if (first) setServerUrl(t.serverUrl ?? "");
        },
        (e: unknown) => live && first && setError(describeUnknown(e)),
      );
    void load(true);
    const timer = setInterval(() => void load(false), POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [show]);

  const run = async (what: Exclude<Busy, null>, action: () => Promise<TeamView>, done: string | null) => {
    setBusy(what);
    setError(null);
    setNotice(null);
    try {
      show(await action());
      setNotice(done);
      return true;
    } catch (e) {
      setError(describeUnknown(e));
      // Sign-out fails after forgetting the session here: show the new state anyway.
      api.getTeam().then(show, () => undefined);
      return false;
    } finally {
      setBusy(null);
    }
  };

  const saveServer = (e: FormEvent) => {
    e.preventDefault();
    void run("server", () => api.setSignInServer(serverUrl.trim(), anonKey.trim()), "Sign-in server saved.").then((ok) => ok && setAnonKey(""));
  };

  const signInWithPassword = (e: FormEvent) => {
    e.preventDefault();
    void run("password", () => api.signInWithPassword(email.trim(), password), null).then((ok) => ok && setPassword(""));
  };

  const saveBackend = (e: FormEvent) => {
    e.preventDefault();
    void run(
      "backend",
      () => api.setTeamBackend(backendKind, backendUrl.trim(), teamId.trim() || null, secret === "" ? null : secret, prepare),
      "Team sync is set up: indexed scenes are queued for the team.",
    ).then((ok) => ok && setSecret(""));
  };

  const chosen = BACKENDS.find((b) => b.value === backendKind) ?? BACKENDS[0];
  const user = team?.user ?? null;
  const hasServer = team?.serverUrl != null;
  const who = user ? (user.email ?? user.id) : null;

  return (
    <section className="panel" aria-labelledby="team-title" id="team">
      <h2 id="team-title">Team</h2>
      {user ? (
        <div className="setting-row">
          <div className="setting-label">
            <span>Signed in as {who}</span>
            <span className="setting-hint">
              {team?.keychainError
                ? `The system keychain is not available (${team.keychainError}): you will need to sign in again after quitting.`
                : "The sign-in is kept in the system keychain."}
            </span>
          </div>
          <button type="button" className="btn btn-ghost btn-small" onClick={() => void run("signOut", api.signOut, "Signed out.")} disabled={busy != null}>
            Sign out
          </button>
        </div>
      ) : (
        <form className="setting-row" onSubmit={saveServer} aria-label="Set the sign-in server">
          <div className="setting-label">
            <label htmlFor={urlId}>Sign-in server</label>
            <span className="setting-hint">Your team&apos;s Supabase project URL (or any server with the same sign-in API).</span>
          </div>
          <div className="field-stack">
            <input id={urlId} className="text-input" type="url" value={serverUrl} placeholder="https://your-project.supabase.co" onChange={(e) => setServerUrl(e.target.value)} spellCheck={false} />
            <label htmlFor={keyId} className="visually-hidden">
              Public anon key
            </label>
            <input
              id={keyId}
              className="text-input"
              type="text"
              value={anonKey}
              placeholder={team?.hasAnonKey ? "Public anon key (saved)" : "Public anon key"}
              onChange={(e) => setAnonKey(e.target.value)}
              spellCheck={false}
              autoComplete="off"
            />
            <button type="submit" className="btn btn-ghost btn-small" disabled={busy != null || serverUrl.trim() === ""}>
              Save server
            </button>
          </div>
        </form>
      )}
      {!user && hasServer && (
        <>
          <form className="setting-row" onSubmit={signInWithPassword} aria-label="Sign in with email">
            <div className="setting-label">
              <span>Email sign-in</span>
              <span className="setting-hint">The password goes to the sign-in server only; it is never stored.</span>
            </div>
            <div className="field-stack">
              <label htmlFor={emailId} className="visually-hidden">
                Email
              </label>
              <input id={emailId} className="text-input" type="email" value={email} placeholder="you@example.com" onChange={(e) => setEmail(e.target.value)} autoComplete="username" />
              <label htmlFor={passwordId} className="visually-hidden">
                Password
              </label>
              <input id={passwordId} className="text-input" type="password" value={password} placeholder="Password" onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" />
              <button type="submit" className="btn btn-primary btn-small" disabled={busy != null || email.trim() === "" || password === ""}>
                {busy === "password" ? "Signing in…" : "Sign in"}
              </button>
            </div>
          </form>
          <div className="setting-row">
            <div className="setting-label">
              <label htmlFor={providerId}>Or sign in with</label>
              <span className="setting-hint">{busy === "browser" ? "Finish signing in in your browser; this window continues by itself." : "Opens your web browser; nothing is typed here."}</span>
            </div>
            <div className="view-actions">
              <select id={providerId} value={provider} onChange={(e) => setProvider(e.target.value)} disabled={busy != null}>
                {PROVIDERS.map((p) => (
                  <option key={p.value} value={p.value}>
                    {p.label}
                  </option>
                ))}
              </select>
              {busy === "browser" ? (
                <button type="button" className="btn btn-ghost btn-small" onClick={() => void api.cancelSignIn()}>
                  Cancel
                </button>
              ) : (
                <button type="button" className="btn btn-primary btn-small" onClick={() => void run("browser", () => api.signInWithBrowser(provider), null)} disabled={busy != null}>
                  Sign in with browser
                </button>
              )}
            </div>
          </div>
        </>
      )}
      <div className="setting-row">
        <div className="setting-label">
          <span>Team sync</span>
          <span className="setting-hint">
            {team == null
              ? "…"
              : team.backend == null
                ? "Off. Scenes stay on this computer until a team backend is set up below (or with heimdex sync setup)."
                : syncSummary(team)}
          </span>
        </div>
        {team?.backend != null && (
          <div className="view-actions">
            <button type="button" className="btn btn-ghost btn-small" onClick={() => void run("sync", api.syncNow, "Everything is pushed.")} disabled={busy != null || user == null}>
              {busy === "sync" ? "Pushing…" : "Sync now"}
            </button>
            <button type="button" className="btn btn-ghost btn-small" onClick={() => void run("backend", api.turnOffTeamSync, "Team sync is off.")} disabled={busy != null}>
              Turn off
            </button>
          </div>
        )}
      </div>
      {team != null && team.backend == null && (
        <form className="setting-row" onSubmit={saveBackend} aria-label="Set up team sync">
          <div className="setting-label">
            <label htmlFor={kindId}>Team backend</label>
            <span className="setting-hint">
              Where the team&apos;s scenes go; the password or key is kept in the system keychain. A Qdrant team&apos;s collection is made once with the server&apos;s API key.
            </span>
          </div>
          <div className="field-stack field-stack-wide">
            <select id={kindId} value={backendKind} onChange={(e) => setBackendKind(e.target.value as BackendKind)} disabled={busy != null}>
              {BACKENDS.map((b) => (
                <option key={b.value} value={b.value}>
                  {b.label}
                </option>
              ))}
            </select>
            <label htmlFor={backendUrlId} className="visually-hidden">
              Backend URL
            </label>
            <input id={backendUrlId} className="text-input" type="text" value={backendUrl} placeholder={chosen.placeholder} onChange={(e) => setBackendUrl(e.target.value)} spellCheck={false} />
            <label htmlFor={teamIdId} className="visually-hidden">
              Team id
            </label>
            <input id={teamIdId} className="text-input" type="text" value={teamId} placeholder="Team id (empty: your scenes stay private)" onChange={(e) => setTeamId(e.target.value)} spellCheck={false} />
            <label htmlFor={secretId} className="visually-hidden">
              Password or API key
            </label>
            <input id={secretId} className="text-input" type="password" value={secret} placeholder={chosen.secret} onChange={(e) => setSecret(e.target.value)} autoComplete="off" />
            <label className="checkbox-row" htmlFor={prepareId}>
              <input id={prepareId} type="checkbox" checked={prepare} onChange={(e) => setPrepare(e.target.checked)} />
              {backendKind === "qdrant" ? " Create the team's collection now (server's API key)" : " Create the schema now"}
            </label>
            <button type="submit" className="btn btn-primary btn-small" disabled={busy != null || backendUrl.trim() === ""}>
              {busy === "backend" ? "Connecting…" : "Set up team sync"}
            </button>
          </div>
        </form>
      )}
      {(error || notice) && (
        <div className="setting-row setting-actions">
          <span className="setting-hint" role="status">
            {error ? <span className="text-danger">{error}</span> : notice}
          </span>
        </div>
      )}
    </section>
  );
}

/** "postgres … · 12 waiting · last push 3 min ago", with a failure when there is one. */
export function syncSummary(team: TeamView): string {
  const parts = [team.backend ?? ""];
  if (team.user == null) parts.push("sign in to push");
  else parts.push(team.syncing ? "pushing in the background" : "paused");
  parts.push(team.pending === 0 ? "nothing waiting" : `${team.pending} waiting`);
  if (team.failed > 0) parts.push(`${team.failed} refused`);
  if (team.lastPushMs != null) parts.push(`last push ${formatAgo(team.lastPushMs)}`);
  const summary = parts.join(" · ");
  return team.lastError ? `${summary}. Last error: ${team.lastError}` : summary;
}
