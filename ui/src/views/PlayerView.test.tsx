import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { detail } from "../test/fixtures";
import { callsOf, mockBackend } from "../test/ipc";
import { PlayerView } from "./PlayerView";

/** jsdom has no media playback: give the element a clock and play/pause. */
function fakeMedia(video: HTMLVideoElement) {
  let t = 0;
  let paused = true;
  Object.defineProperty(video, "currentTime", {
    get: () => t,
    set: (v: number) => {
      t = v;
      video.dispatchEvent(new Event("seeked"));
    },
  });
  Object.defineProperty(video, "duration", { get: () => 24.02 });
  Object.defineProperty(video, "paused", { get: () => paused });
  video.play = vi.fn(() => {
    paused = false;
    return Promise.resolve();
  });
  video.pause = vi.fn(() => {
    paused = true;
  });
  return { time: () => t };
}

async function openPlayer(startSecs: number) {
  const onBack = vi.fn();
  render(<PlayerView videoId={detail.video.id} startSecs={startSecs} backLabel="Results" onBack={onBack} />);
  const video = (await screen.findByTestId("player-video")) as HTMLVideoElement;
  const media = fakeMedia(video);
  fireEvent(video, new Event("loadedmetadata"));
  return { video, media, onBack };
}

describe("Player", () => {
  it("streams from the media server and seeks to the scene start", async () => {
    const backend = mockBackend([]);
    const { video, media } = await openPlayer(6.5);
    expect(callsOf(backend, "get_video")[0]?.args).toEqual({ id: detail.video.id });
    expect(video).toHaveAttribute("src", detail.mediaUrl);
    expect(media.time()).toBe(6.5);
    expect(screen.getByRole("heading", { name: "beach.mp4" })).toBeInTheDocument();
    const strip = screen.getByRole("list", { name: "Scenes" });
    expect(within(strip).getAllByRole("button")).toHaveLength(4);
    expect(within(strip).getByRole("button", { name: "Scene 3 at 0:06" })).toHaveAttribute("aria-current", "true");
    const transcript = screen.getByRole("list", { name: "Transcript" });
    expect(within(transcript).getByRole("button", { name: /ask not what your country/ })).toHaveAttribute("aria-current", "true");
  });

  it("seeks when a scene or a transcript line is clicked", async () => {
    mockBackend([]);
    const { video, media } = await openPlayer(0);
    // Before playback the scene's keyframe stands in for the video.
    expect(video).toHaveAttribute("poster", expect.stringContaining("k0.jpg"));
    await userEvent.click(screen.getByRole("button", { name: "Scene 4 at 0:13" }));
    expect(media.time()).toBe(13.1);
    expect(screen.getByRole("button", { name: "Scene 4 at 0:13" })).toHaveAttribute("aria-current", "true");
    await userEvent.click(screen.getByRole("button", { name: /my fellow Americans/ }));
    expect(media.time()).toBe(0.5);
  });

  it("answers space, J/K/L, the arrows and Esc", async () => {
    mockBackend([]);
    const { video, media, onBack } = await openPlayer(6);
    await userEvent.keyboard("{ArrowRight}");
    expect(media.time()).toBe(13.1);
    await userEvent.keyboard("{ArrowRight}");
    expect(media.time()).toBe(13.1); // the last scene: nowhere further
    await userEvent.keyboard("{ArrowLeft}");
    expect(media.time()).toBe(6); // less than a second in: the scene before
    act(() => {
      video.currentTime = 9;
    });
    await userEvent.keyboard("{ArrowLeft}");
    expect(media.time()).toBe(6); // well into a scene: its own start
    await userEvent.keyboard("l");
    expect(media.time()).toBe(16);
    await userEvent.keyboard("l");
    expect(media.time()).toBe(24.02);
    await userEvent.keyboard("j");
    expect(media.time()).toBeCloseTo(14.02);
    await userEvent.keyboard(" ");
    expect(video.play).toHaveBeenCalledTimes(1);
    await userEvent.keyboard(" ");
    expect(video.pause).toHaveBeenCalledTimes(1);
    await userEvent.keyboard("k");
    expect(video.pause).toHaveBeenCalledTimes(2);
    await userEvent.keyboard("{Escape}");
    expect(onBack).toHaveBeenCalledTimes(1);
  });

  it("exports the transcript through the save dialog and copies a timestamp", async () => {
    const user = userEvent.setup();
    const backend = mockBackend([], { savePath: "/home/me/beach.srt" });
    await openPlayer(6);
    await user.click(screen.getByRole("button", { name: "SRT" }));
    await waitFor(() => expect(callsOf(backend, "export_transcript")).toHaveLength(1));
    expect(callsOf(backend, "export_transcript")[0].args).toEqual({ videoId: detail.video.id, format: "srt", path: "/home/me/beach.srt" });
    expect(await screen.findByText("Saved /home/me/beach.srt")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Copy timestamp" }));
    await waitFor(async () => expect(await navigator.clipboard.readText()).toBe("beach.mp4 @ 00:00:06.000"));
  });

  it("says why a video cannot be played", async () => {
    mockBackend([], { detail: { ...detail, mediaUrl: null, mediaError: "/videos/beach.mp4 is no longer there.", transcript: [] } });
    render(<PlayerView videoId={detail.video.id} startSecs={0} backLabel="Library" onBack={() => undefined} />);
    expect(await screen.findByRole("alert")).toHaveTextContent("/videos/beach.mp4 is no longer there.");
    expect(screen.getByRole("button", { name: "SRT" })).toBeDisabled();
  });
});
