import type { TeamView } from "../bindings";

/** The sidebar's sign-in button: "Sign in" or who is signed in; opens the Team settings. */
export function AccountButton({ team, onOpen }: { team: TeamView | null; onOpen: () => void }) {
  const user = team?.user ?? null;
  const label = user ? (user.email ?? "Signed in") : "Sign in";
  return (
    <button type="button" className="btn btn-ghost btn-small account-button" onClick={onOpen} title={user ? `Signed in to ${team?.serverUrl ?? "the team server"}` : "Sign in to share scenes with your team"}>
      {label}
    </button>
  );
}
