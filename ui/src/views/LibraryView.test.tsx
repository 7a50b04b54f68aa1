import { emit } from "@tauri-apps/api/event";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../App";
import { failed, indexing, video } from "../test/fixtures";
import { callsOf, mockBackend } from "../test/ipc";

describe("Library view", () => {
  it("shows each video with name, duration, status and stages", async () => {
    mockBackend([video(), indexing, failed]);
    render(<App />);
    const card = await screen.findByRole("article", { name: "beach.mp4" });
    expect(within(card).getByText("0:24")).toBeInTheDocument();
    expect(within(card).getByText("Indexed")).toBeInTheDocument();
    expect(within(card).getByText(/1280×720/)).toBeInTheDocument();
    expect(screen.getByText("3 videos · 1 indexing · 1 failed")).toBeInTheDocument();
  });

  it("says in words why a video failed and retries it", async () => {
    const backend = mockBackend([failed]);
    render(<App />);
    const card = await screen.findByRole("article", { name: "broken.mkv" });
    expect(within(card).getByRole("alert")).toHaveTextContent("Finding scenes failed: The video stream could not be decoded.");
    await userEvent.click(within(card).getByRole("button", { name: "Retry broken.mkv" }));
    expect(callsOf(backend, "retry_video")).toEqual([{ cmd: "retry_video", args: { id: failed.id } }]);
  });

  it("shows live progress with an ETA from events and cancels", async () => {
    const backend = mockBackend([indexing]);
    render(<App />);
    const card = await screen.findByRole("article", { name: "interview.mov" });
    expect(within(card).getByText(/25%/)).toBeInTheDocument();
    await act(async () => {
      await emit("library-event", {
        type: "job",
        video: indexing.id,
        name: indexing.fileName,
        stage: "scenes",
        update: { kind: "progress", done: 150, total: 200, unit: "frames", eta_secs: 4.2, message: null },
      });
    });
    await waitFor(() => expect(within(card).getByText(/75%/)).toBeInTheDocument());
    expect(within(card).getByText(/about 5 s left/)).toBeInTheDocument();
    expect(within(card).getByRole("progressbar", { name: "Indexing interview.mov" })).toHaveAttribute("value", "0.875");
    await userEvent.click(within(card).getByRole("button", { name: "Cancel indexing interview.mov" }));
    expect(callsOf(backend, "cancel_video")[0]?.args).toEqual({ id: indexing.id });
  });

  it("reloads the list when a video is imported", async () => {
    const backend = mockBackend([]);
    render(<App />);
    expect(await screen.findByText("Drop videos anywhere to start")).toBeInTheDocument();
    backend.videos = [video()];
    await act(async () => {
      await emit("library-event", { type: "video_imported", video: "aaaaaaaaaaaaaaaa", path: "/videos/beach.mp4", moved: false });
    });
    expect(await screen.findByRole("article", { name: "beach.mp4" })).toBeInTheDocument();
  });

  it("adds videos chosen in the native dialog", async () => {
    const backend = mockBackend([]);
    render(<App />);
    await screen.findByText("Drop videos anywhere to start");
    await userEvent.click(screen.getAllByRole("button", { name: /Add videos/ })[0]);
    await waitFor(() => expect(callsOf(backend, "import_paths")).toHaveLength(1));
    expect(callsOf(backend, "import_paths")[0]?.args).toEqual({ paths: ["/videos/new.mp4"] });
  });

  it("imports files dropped on the window", async () => {
    const backend = mockBackend([]);
    render(<App />);
    await screen.findByText("Drop videos anywhere to start");
    await act(async () => {
      await emit("tauri://drag-drop", { paths: ["/videos/dropped.mp4", "/videos/folder"], position: { x: 10, y: 10 } });
    });
    await waitFor(() => expect(callsOf(backend, "import_paths")[0]?.args).toEqual({ paths: ["/videos/dropped.mp4", "/videos/folder"] }));
  });
});
