import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "./App";
import { video } from "./test/fixtures";
import { callsOf, mockBackend } from "./test/ipc";

describe("App", () => {
  it("focuses the search box with Ctrl+K from anywhere", async () => {
    mockBackend([video()]);
    render(<App />);
    await screen.findByRole("article", { name: "beach.mp4" });
    await userEvent.keyboard("{Control>}k{/Control}");
    const box = await screen.findByRole("combobox", { name: "Search" });
    await waitFor(() => expect(box).toHaveFocus());
    expect(screen.getByText("Find the moment")).toBeInTheDocument();
    await userEvent.type(box, "bea");
    // Videos whose names match are listed too, and open in the player.
    await userEvent.click(screen.getByRole("button", { name: /beach\.mp4/ }));
    expect(await screen.findByTestId("player-video")).toHaveAttribute("data-start", "0");
  });

  it("shows the settings and changes concurrency and theme", async () => {
    const backend = mockBackend([]);
    render(<App />);
    await userEvent.click(screen.getByRole("button", { name: /Settings/ }));
    expect(await screen.findByText("/home/me/.local/share/heimdex")).toBeInTheDocument();
    expect(screen.getByText("Not installed")).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText("Videos at a time"), "3");
    await waitFor(() => expect(callsOf(backend, "set_concurrency")[0]?.args).toEqual({ concurrency: 3 }));
    await userEvent.click(screen.getByRole("radio", { name: "Dark" }));
    expect(document.documentElement.dataset.theme).toBe("dark");
    await userEvent.click(screen.getByRole("radio", { name: "System" }));
    expect(document.documentElement.dataset.theme).toBeUndefined();
  });

  it("stores the provider's key through the keychain command and never shows it", async () => {
    const backend = mockBackend([]);
    render(<App />);
    await userEvent.click(screen.getByRole("button", { name: /Settings/ }));
    await userEvent.click(await screen.findByRole("radio", { name: "OpenAI-compatible" }));
    await userEvent.type(screen.getByLabelText("Base URL"), "http://localhost:11434/v1");
    const key = screen.getByLabelText("API key");
    expect(key).toHaveAttribute("type", "password");
    await userEvent.type(key, "sk-test");
    await userEvent.type(screen.getByLabelText("Caption model"), "llava");
    await userEvent.type(screen.getByLabelText("Request limit"), "500");
    await userEvent.click(screen.getByRole("button", { name: "Save provider" }));
    await waitFor(() => expect(callsOf(backend, "set_provider")).toHaveLength(1));
    expect(callsOf(backend, "set_provider")[0].args).toEqual({ kind: "openAi", baseUrl: "http://localhost:11434/v1", apiKey: "sk-test", captionModel: "llava", maxRequests: 500 });
    expect(await screen.findByText("A key is stored in the system keychain. Type a new one to replace it.")).toBeInTheDocument();
    expect(key).toHaveValue("");
    await userEvent.click(screen.getByRole("button", { name: "Remove key" }));
    await waitFor(() => expect(callsOf(backend, "set_provider")[1]?.args).toEqual({ kind: "openAi", baseUrl: "http://localhost:11434/v1", apiKey: "", captionModel: "llava", maxRequests: 500 }));
  });

  it("chooses a new library folder for the next start", async () => {
    const backend = mockBackend([]);
    render(<App />);
    await userEvent.click(screen.getByRole("button", { name: /Settings/ }));
    await userEvent.click(await screen.findByRole("button", { name: "Change the library folder" }));
    await waitFor(() => expect(callsOf(backend, "choose_folder")[0]?.args).toEqual({ which: "library", path: "/videos/new.mp4" }));
    expect(await screen.findByText("From the next start: /videos/new.mp4")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Restart now" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Keep current" }));
    await waitFor(() => expect(screen.queryByText(/From the next start/)).toBeNull());
  });

  it("opens a video from the library at its start", async () => {
    const backend = mockBackend([video()]);
    render(<App />);
    await userEvent.click(await screen.findByRole("button", { name: "Play beach.mp4" }));
    expect(await screen.findByTestId("player-video")).toBeInTheDocument();
    expect(callsOf(backend, "get_video")[0]?.args).toEqual({ id: video().id });
    await userEvent.click(screen.getByTitle("Back (Esc)"));
    expect(await screen.findByRole("heading", { name: "Library" })).toBeInTheDocument();
  });

  it("turns a typed error into a sentence", async () => {
    mockBackend([]);
    // The settings command fails with a typed error.
    const { mockIPC } = await import("@tauri-apps/api/mocks");
    mockIPC(
      (cmd) => {
        if (cmd === "get_settings") throw { type: "LibraryUnavailable", data: { path: "/ro", reason: "read-only file system" } };
        if (cmd === "list_videos") return [];
        if (cmd === "get_provider") return { kind: "local", baseUrl: null, hasKey: false, keychainError: null, captionModel: null, defaultCaptionModel: "gpt-4o-mini", maxRequests: 0, requestsMade: 0 };
        return undefined;
      },
      { shouldMockEvents: true },
    );
    render(<App />);
    await userEvent.click(screen.getByRole("button", { name: /Settings/ }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The library in /ro could not be opened (read-only file system).");
  });
});
