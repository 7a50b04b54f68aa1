import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../App";
import { callsOf, mockBackend, signedOut } from "../test/ipc";
import { syncSummary } from "./TeamPanel";

async function openTeam() {
  render(<App />);
  await userEvent.click(await screen.findByRole("button", { name: "Sign in" }));
  return screen.findByRole("region", { name: "Team" });
}

describe("Team panel", () => {
  it("the sidebar's Sign in opens it; the server is saved, then email sign-in and sign-out", async () => {
    const backend = mockBackend([]);
    const panel = await openTeam();
    // No server yet: only the server form.
    expect(within(panel).queryByRole("form", { name: "Sign in with email" })).toBeNull();
    await userEvent.type(within(panel).getByLabelText("Sign-in server"), "https://team.example.co");
    await userEvent.type(within(panel).getByLabelText("Public anon key"), "anon-123");
    await userEvent.click(within(panel).getByRole("button", { name: "Save server" }));
    await waitFor(() => expect(callsOf(backend, "set_sign_in_server")[0]?.args).toEqual({ url: "https://team.example.co", anonKey: "anon-123" }));
    expect(await within(panel).findByText("Sign-in server saved.")).toBeInTheDocument();

    // A wrong password: a sentence, still signed out.
    await userEvent.type(within(panel).getByLabelText("Email"), "ada@example.com");
    await userEvent.type(within(panel).getByLabelText("Password"), "wrong");
    await userEvent.click(within(panel).getByRole("button", { name: "Sign in" }));
    expect(await within(panel).findByText(/Signing in failed: sign-in refused: Invalid login credentials/)).toBeInTheDocument();

    await userEvent.clear(within(panel).getByLabelText("Password"));
    await userEvent.type(within(panel).getByLabelText("Password"), "correct horse{Enter}");
    expect(await within(panel).findByText("Signed in as ada@example.com")).toBeInTheDocument();
    // The password is never kept in the form.
    expect(within(panel).queryByLabelText("Password")).toBeNull();

    await userEvent.click(within(panel).getByRole("button", { name: "Sign out" }));
    expect(await within(panel).findByText("Signed out.")).toBeInTheDocument();
    expect(callsOf(backend, "sign_out")).toHaveLength(1);
  });

  it("offers the browser sign-in with a provider", async () => {
    const backend = mockBackend([], { team: { ...signedOut, serverUrl: "https://team.example.co", hasAnonKey: true } });
    const panel = await openTeam();
    await userEvent.selectOptions(within(panel).getByLabelText("Or sign in with"), "google");
    await userEvent.click(within(panel).getByRole("button", { name: "Sign in with browser" }));
    await waitFor(() => expect(callsOf(backend, "sign_in_with_browser")[0]?.args).toEqual({ provider: "google" }));
  });

  it("shows what waits to be pushed and pushes on Sync now", async () => {
    const backend = mockBackend([], {
      team: {
        ...signedOut,
        serverUrl: "https://team.example.co",
        user: { id: "u1", email: "ada@example.com" },
        keychainError: "no secret service",
        backend: "postgres postgres://heimdex@db.example.co/team",
        syncing: true,
        pending: 12,
      },
    });
    const panel = await openTeam();
    expect(within(panel).getByText(/12 waiting/)).toBeInTheDocument();
    expect(within(panel).getByText(/sign in again after quitting/)).toBeInTheDocument();
    await userEvent.click(within(panel).getByRole("button", { name: "Sync now" }));
    expect(await within(panel).findByText("Everything is pushed.")).toBeInTheDocument();
    expect(within(panel).getByText(/nothing waiting · last push just now/)).toBeInTheDocument();
    expect(callsOf(backend, "sync_now")).toHaveLength(1);
  });

  it("summarises the sync state in one line", () => {
    const base = { ...signedOut, backend: "postgres postgres://db/team" };
    expect(syncSummary(base)).toBe("postgres postgres://db/team · sign in to push · nothing waiting");
    expect(syncSummary({ ...base, user: { id: "u", email: null }, syncing: true, pending: 3, failed: 1, lastError: "server down" })).toBe(
      "postgres postgres://db/team · pushing in the background · 3 waiting · 1 refused. Last error: server down",
    );
  });

  it("sets a Qdrant backend up, says why a key is refused, and turns team sync off", async () => {
    const backend = mockBackend([]);
    const panel = await openTeam();
    const form = within(panel).getByRole("form", { name: "Set up team sync" });
    expect(within(form).getByLabelText("Team backend")).toHaveValue("qdrant");
    await userEvent.type(within(form).getByLabelText("Backend URL"), "https://qdrant.example.com:6334");
    await userEvent.type(within(form).getByLabelText("Team id"), "2b7e1a4c-9d3f-4e6a-8b1c-5d2e3f4a5b6c");
    await userEvent.type(within(form).getByLabelText("Password or API key"), "wrong");
    await userEvent.click(within(form).getByRole("checkbox"));
    await userEvent.click(within(form).getByRole("button", { name: "Set up team sync" }));
    expect(await within(panel).findByText(/Qdrant refused the API key/)).toBeInTheDocument();

    await userEvent.clear(within(form).getByLabelText("Password or API key"));
    await userEvent.type(within(form).getByLabelText("Password or API key"), "team-key");
    await userEvent.click(within(form).getByRole("button", { name: "Set up team sync" }));
    expect(await within(panel).findByText(/qdrant https:\/\/qdrant.example.com:6334 · sign in to push · 12 waiting/)).toBeInTheDocument();
    expect(callsOf(backend, "set_team_backend").at(-1)?.args).toEqual({
      kind: "qdrant",
      url: "https://qdrant.example.com:6334",
      team: "2b7e1a4c-9d3f-4e6a-8b1c-5d2e3f4a5b6c",
      secret: "team-key",
      prepare: true,
    });
    // Set up: the form gives way to the state, and the key is not kept in the page.
    expect(within(panel).queryByRole("form", { name: "Set up team sync" })).toBeNull();
    await userEvent.click(within(panel).getByRole("button", { name: "Turn off" }));
    expect(await within(panel).findByText("Team sync is off.")).toBeInTheDocument();
    expect(within(panel).getByRole("form", { name: "Set up team sync" })).toBeInTheDocument();
  });
});
