import { useEffect, useId, useState } from "react";
import type { ProviderKind, ProviderView } from "../bindings";
import { api } from "../lib/api";
import { describeUnknown } from "../lib/errors";

/** Local models or an OpenAI-compatible server that captions the scenes; the API key goes to the OS keychain only. */
export function ProviderPanel() {
  const [provider, setProvider] = useState<ProviderView | null>(null);
  const [kind, setKind] = useState<ProviderKind>("local");
  const [baseUrl, setBaseUrl] = useState("");
  const [apiKey, setApiKey] = useState("");
  const [captionModel, setCaptionModel] = useState("");
  const [maxRequests, setMaxRequests] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const urlId = useId();
  const keyId = useId();
  const modelId = useId();
  const limitId = useId();

  useEffect(() => {
    let live = true;
    api.getProvider().then(
      (p) => {
        if (!live || !p) return;
        setProvider(p);
        setKind(p.kind);
        setBaseUrl(p.baseUrl ?? "");
        setCaptionModel(p.captionModel ?? "");
        setMaxRequests(p.maxRequests ? String(p.maxRequests) : "");
      },
      (e: unknown) => live && setError(describeUnknown(e)),
    );
    return () => {
      live = false;
    };
  }, []);

  const save = async (removeKey = false) => {
    const limitText = maxRequests.trim();
    const limit = limitText === "" ? 0 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 0 || limit > 4294967295) {
      setError("The request limit must be a whole number (empty: no limit).");
      return;
    }
    setSaving(true);
    setSaved(null);
    try {
      const key = removeKey ? "" : apiKey.trim() ? apiKey : null;
      const p = await api.setProvider(kind, baseUrl.trim() || null, key, captionModel.trim(), limit);
      setProvider(p);
      setApiKey("");
      setError(null);
      setSaved(removeKey ? "The API key was removed from the keychain." : "Saved.");
    } catch (e) {
      setError(describeUnknown(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="provider-title">
      <h2 id="provider-title">Provider</h2>
      <div className="setting-row">
        <div className="setting-label">
          <span id="provider-kind-label">Models run</span>
          <span className="setting-hint">On this computer, or on a server that speaks the OpenAI API (OpenAI, vLLM, llama.cpp, Ollama…).</span>
        </div>
        <div className="segmented" role="radiogroup" aria-labelledby="provider-kind-label">
          {(
            [
              ["local", "On this computer"],
              ["openAi", "OpenAI-compatible"],
            ] as const
          ).map(([value, label]) => (
            <button key={value} type="button" role="radio" aria-checked={kind === value} className={kind === value ? "segment segment-on" : "segment"} onClick={() => setKind(value)}>
              {label}
            </button>
          ))}
        </div>
      </div>
      {kind === "openAi" && (
        <>
          <div className="setting-row">
            <div className="setting-label">
              <label htmlFor={urlId}>Base URL</label>
              <span className="setting-hint">For example https://api.openai.com/v1 or http://localhost:11434/v1</span>
            </div>
            <input id={urlId} className="text-input" type="url" value={baseUrl} placeholder="https://api.openai.com/v1" onChange={(e) => setBaseUrl(e.target.value)} spellCheck={false} />
          </div>
          <div className="setting-row">
            <div className="setting-label">
              <label htmlFor={keyId}>API key</label>
              <span className="setting-hint">
                {provider?.keychainError
                  ? `The system keychain is not available (${provider.keychainError}); a key cannot be saved.`
                  : provider?.hasKey
                    ? "A key is stored in the system keychain. Type a new one to replace it."
                    : "Stored in the system keychain, never in a file."}
              </span>
            </div>
            <input
              id={keyId}
              className="text-input"
              type="password"
              value={apiKey}
              placeholder={provider?.hasKey ? "••••••••  (stored)" : "sk-…"}
              onChange={(e) => setApiKey(e.target.value)}
              autoComplete="off"
              disabled={provider?.keychainError != null}
            />
          </div>
          <div className="setting-row">
            <div className="setting-label">
              <label htmlFor={modelId}>Caption model</label>
              <span className="setting-hint">The vision model that describes each scene, for example gpt-4o-mini (OpenAI) or llava (Ollama).</span>
            </div>
            <input id={modelId} className="text-input" type="text" value={captionModel} placeholder={provider?.defaultCaptionModel ?? "gpt-4o-mini"} onChange={(e) => setCaptionModel(e.target.value)} spellCheck={false} autoComplete="off" />
          </div>
          <div className="setting-row">
            <div className="setting-label">
              <label htmlFor={limitId}>Request limit</label>
              <span className="setting-hint">
                Caption requests this library may send in all; empty for no limit.
                {provider ? ` ${provider.requestsMade} sent so far.` : ""}
              </span>
            </div>
            <input id={limitId} className="text-input" type="text" inputMode="numeric" value={maxRequests} placeholder="No limit" onChange={(e) => setMaxRequests(e.target.value)} autoComplete="off" />
          </div>
        </>
      )}
      <div className="setting-row setting-actions">
        <span className="setting-hint" role="status">
          {error ? <span className="text-danger">{error}</span> : saved}
        </span>
        <div className="view-actions">
          {provider?.hasKey && (
            <button type="button" className="btn btn-ghost btn-small" onClick={() => void save(true)} disabled={saving}>
              Remove key
            </button>
          )}
          <button type="button" className="btn btn-primary btn-small" onClick={() => void save()} disabled={saving || provider == null}>
            Save provider
          </button>
        </div>
      </div>
    </section>
  );
}
