import { useLibrary } from "../hooks/useLibrary";
import { CloseIcon } from "./Icons";

/** Import failures and other messages, newest last, each dismissable. */
export function Notices() {
  const { notices, dismissNotice } = useLibrary();
  if (notices.length === 0) return null;
  return (
    <ul className="notices" aria-live="polite">
      {notices.map((n) => (
        <li key={n.id} className={`notice notice-${n.tone}`} role={n.tone === "error" ? "alert" : "status"}>
          <span>{n.text}</span>
          <button type="button" className="btn btn-ghost btn-icon-only btn-small" onClick={() => dismissNotice(n.id)} aria-label="Dismiss">
            <CloseIcon />
          </button>
        </li>
      ))}
    </ul>
  );
}
