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
    const box = await screen.findByRole("searchbox", { name: "Search" });
    await waitFor(() => expect(box).toHaveFocus());
    expect(screen.getByText("Search arrives with indexing of text")).toBeInTheDocument();
    await userEvent.type(box, "bea");
    expect(screen.getByRole("button", { name: /beach\.mp4/ })).toBeInTheDocument();
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

  it("turns a typed error into a sentence", async () => {
    mockBackend([]);
    // The settings command fails with a typed error.
    const { mockIPC } = await import("@tauri-apps/api/mocks");
    mockIPC(
      (cmd) => {
        if (cmd === "get_settings") throw { type: "LibraryUnavailable", data: { path: "/ro", reason: "read-only file system" } };
        if (cmd === "list_videos") return [];
        return undefined;
      },
      { shouldMockEvents: true },
    );
    render(<App />);
    await userEvent.click(screen.getByRole("button", { name: /Settings/ }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The library in /ro could not be opened (read-only file system).");
  });
});
