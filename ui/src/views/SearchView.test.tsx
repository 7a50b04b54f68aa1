import { emit } from "@tauri-apps/api/event";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../App";
import { detail, hit, results, video } from "../test/fixtures";
import { callsOf, mockBackend, signedOut } from "../test/ipc";

async function openSearch() {
  render(<App />);
  await screen.findByRole("article", { name: "beach.mp4" });
  await userEvent.keyboard("{Control>}k{/Control}");
  const box = await screen.findByRole("combobox", { name: "Search" });
  await waitFor(() => expect(box).toHaveFocus());
  return box;
}

const twoHits = [hit(), hit({ videoId: "bbbbbbbbbbbbbbbb", fileName: "speech.mp4", sceneIdx: 0, startSecs: 1.5, endSecs: 4, scores: { fused: 0.03, bm25: null, text: 0.41, image: null } })];

describe("Search", () => {
  it("tells what to type before a search", async () => {
    mockBackend([video()]);
    await openSearch();
    expect(screen.getByText("Find the moment")).toBeInTheDocument();
  });

  it("searches once typing pauses and shows thumbnails, times, highlighted words and why", async () => {
    const backend = mockBackend([video()], { search: (q) => results(q, twoHits) });
    const box = await openSearch();
    await userEvent.type(box, "country");
    const list = await screen.findByRole("listbox", { name: "Scenes found" });
    // Debounced: one search for the whole word, not one per key.
    expect(callsOf(backend, "search").map((c) => (c.args as { query: string }).query)).toEqual(["country"]);
    const options = within(list).getAllByRole("option");
    expect(options).toHaveLength(2);
    const first = options[0];
    expect(within(first).getByText("beach.mp4")).toBeInTheDocument();
    expect(within(first).getByText("0:06")).toBeInTheDocument();
    expect(within(first).getByText("country").tagName).toBe("MARK");
    expect(within(first).getByText("words match")).toBeInTheDocument();
    expect(within(first).getByText("similar meaning 52%")).toBeInTheDocument();
    expect(first.querySelector("img")).not.toBeNull();
    expect(first).toHaveAttribute("aria-selected", "true");
    expect(screen.getByText("2 scenes")).toBeInTheDocument();
  });

  it("steps through hits with the arrows and opens one with Enter at its start", async () => {
    const backend = mockBackend([video()], { search: (q) => results(q, twoHits), detail: { ...detail, video: { ...detail.video, id: "bbbbbbbbbbbbbbbb" } } });
    const box = await openSearch();
    await userEvent.type(box, "country");
    const list = await screen.findByRole("listbox");
    await userEvent.keyboard("{ArrowDown}");
    expect(within(list).getAllByRole("option")[1]).toHaveAttribute("aria-selected", "true");
    expect(box).toHaveAttribute("aria-activedescendant", "hit-1");
    await userEvent.keyboard("{Enter}");
    const player = await screen.findByTestId("player-video");
    expect(player).toHaveAttribute("data-start", "1.5");
    expect(callsOf(backend, "get_video")[0]?.args).toEqual({ id: "bbbbbbbbbbbbbbbb" });
    expect(callsOf(backend, "log_opened")[0]?.args).toEqual({ queryId: 7, videoId: "bbbbbbbbbbbbbbbb", sceneIdx: 0 });
    // Esc goes back to the same results.
    await userEvent.keyboard("{Escape}");
    expect(await screen.findByRole("listbox")).toBeInTheDocument();
    expect(screen.getByRole("combobox", { name: "Search" })).toHaveValue("country");
  });

  it("says so when nothing matches, and shows errors in words", async () => {
    mockBackend([video()], {
      search: (q) => {
        if (q === "broken") throw { type: "Search", data: { reason: "the index is damaged" } };
        return results(q, []);
      },
    });
    const box = await openSearch();
    await userEvent.type(box, "zebra");
    expect(await screen.findByText("No scene matches “zebra”")).toBeInTheDocument();
    await userEvent.clear(box);
    await userEvent.type(box, "broken");
    expect(await screen.findByRole("alert")).toHaveTextContent("The search failed: the index is damaged.");
  });

  it("exports the hits as CSV and EDL and copies a hit's timestamp", async () => {
    const user = userEvent.setup();
    const backend = mockBackend([video()], { search: (q) => results(q, twoHits), savePath: "/home/me/country.edl" });
    render(<App />);
    await screen.findByRole("article", { name: "beach.mp4" });
    await user.keyboard("{Control>}k{/Control}");
    await user.type(await screen.findByRole("combobox", { name: "Search" }), "country");
    await screen.findByRole("listbox");
    await user.click(screen.getByRole("button", { name: "EDL" }));
    await waitFor(() => expect(callsOf(backend, "export_list")).toHaveLength(1));
    const args = callsOf(backend, "export_list")[0].args as { title: string; format: string; path: string; clips: { snippet: string; startSecs: number }[] };
    expect(args.format).toBe("edl");
    expect(args.path).toBe("/home/me/country.edl");
    expect(args.title).toBe("Heimdex: country");
    expect(args.clips.map((c) => c.startSecs)).toEqual([6, 1.5]);
    expect(args.clips[0].snippet).toBe("ask not what your country can do for you");
    await user.click(screen.getByRole("button", { name: "CSV" }));
    await waitFor(() => expect(callsOf(backend, "export_list")).toHaveLength(2));
    expect((callsOf(backend, "export_list")[1].args as { format: string }).format).toBe("csv");
    await user.click(screen.getByRole("button", { name: "Copy the timestamp of speech.mp4 at 0:01" }));
    await waitFor(async () => expect(await navigator.clipboard.readText()).toBe("speech.mp4 @ 00:00:01.500"));
  });
});

describe("Team search", () => {
  it("lists the scenes found here and on the team, marked, once team sync is set up", async () => {
    const backend = mockBackend([video()], {
      team: { ...signedOut, backend: "postgres postgres://heimdex@db/heimdex" },
      search: (q) => results(q, twoHits),
      searchTeam: () => ({
        hits: [
          { origin: "both", videoId: "aaaaaaaaaaaaaaaa", fileName: "beach.mp4", sceneIndex: 2, startSecs: 6, endSecs: 9, text: "ask not", score: 0.03 },
          { origin: "team", videoId: null, fileName: "their-talk.mp4", sceneIndex: 4, startSecs: 60, endSecs: 65, text: "what your country", score: 0.02 },
        ],
        notice: null,
      }),
    });
    const box = await openSearch();
    await userEvent.type(box, "country");
    const team = await screen.findByRole("list", { name: "Scenes found here and on the team" });
    const rows = within(team).getAllByRole("button");
    expect(rows).toHaveLength(2);
    expect(within(rows[0]).getByText("Here + team")).toBeInTheDocument();
    expect(within(rows[1]).getByText("Team")).toBeInTheDocument();
    expect(rows[1]).toBeDisabled();
    expect(callsOf(backend, "search_team").map((c) => (c.args as { query: string }).query)).toEqual(["country"]);
  });

  it("never asks the team while team sync is off, and says why the team is missing", async () => {
    const off = mockBackend([video()], { search: (q) => results(q, twoHits) });
    const box = await openSearch();
    await userEvent.type(box, "country");
    await screen.findByRole("listbox", { name: "Scenes found" });
    expect(callsOf(off, "search_team")).toHaveLength(0);
  });

  it("shows the reason when the team backend cannot answer", async () => {
    mockBackend([video()], {
      team: { ...signedOut, backend: "postgres postgres://heimdex@db/heimdex" },
      search: (q) => results(q, twoHits),
      searchTeam: () => ({ hits: [], notice: "The team's scenes are missing: team sync failed: cannot reach the team database" }),
    });
    const box = await openSearch();
    await userEvent.type(box, "country");
    expect(await screen.findByText(/The team's scenes are missing/)).toBeInTheDocument();
  });
});

describe("More like this", () => {
  it("lists the scenes like the player's current scene and opens one", async () => {
    const backend = mockBackend([video()], { similar: () => twoHits });
    render(<App />);
    await userEvent.click(await screen.findByRole("button", { name: "Play beach.mp4" }));
    const more = await screen.findByRole("button", { name: "More like this" });
    await waitFor(() => expect(more).toBeEnabled());
    await userEvent.click(more);
    expect(await screen.findByText("Scenes like scene 1 of beach.mp4")).toBeInTheDocument();
    expect(callsOf(backend, "similar")[0]?.args).toEqual({ videoId: video().id, sceneIdx: 0, limit: 30 });
    const list = await screen.findByRole("listbox", { name: "Scenes found" });
    expect(within(list).getAllByRole("option")).toHaveLength(2);
    // Typing a query leaves the "more like this" list.
    await userEvent.type(screen.getByRole("combobox", { name: "Search" }), "zebra");
    expect(await screen.findByText("No scene matches “zebra”")).toBeInTheDocument();
    expect(screen.queryByText(/Scenes like/)).toBeNull();
  });
});

describe("What is seen", () => {
  it("shows a hit's tags and marks the ones the query named", async () => {
    const seen = [
      { label: "tabby cat", score: 0.62, kind: "class", matched: true },
      { label: "cat", score: 0.8, kind: "hypernym", matched: true },
      { label: "animal", score: 0.85, kind: "hypernym", matched: false },
    ];
    mockBackend([video()], { search: (q) => results(q, [hit({ seen, snippet: [] })]) });
    const box = await openSearch();
    await userEvent.type(box, "a cat");
    const list = await screen.findByRole("listbox", { name: "Scenes found" });
    const tags = within(list).getByRole("list", { name: "Seen in the scene" });
    const items = within(tags).getAllByRole("listitem");
    expect(items.map((i) => i.textContent)).toEqual(["tabby cat", "cat", "animal"]);
    expect(items[0]).toHaveClass("tag-on");
    expect(items[2]).not.toHaveClass("tag-on");
    expect(within(list).getByText("seen: tabby cat, cat")).toBeInTheDocument();
    expect(within(list).getByText("No words in this scene")).toBeInTheDocument();
  });

  it("shows a notice when a model is missing", async () => {
    mockBackend([video()], {
      search: (q) => ({ ...results(q, [hit()]), notices: ["text vectors are off (all-MiniLM-L6-v2 not found in /m): run scripts/fetch-models.sh"] }),
    });
    const box = await openSearch();
    await userEvent.type(box, "country");
    expect(await screen.findByText(/text vectors are off/)).toBeInTheDocument();
  });
});

describe("Search by picture", () => {
  it("a picture dropped on the window searches for scenes that look like it, and Clear ends it", async () => {
    const lookalike = hit({ scores: { fused: 0.03, bm25: null, text: null, image: null, picture: 0.91 }, snippet: [] });
    const backend = mockBackend([video()], { searchImage: () => ({ ...results("tabby cat, cat, animal", [lookalike]), queryId: null }) });
    render(<App />);
    await screen.findByRole("article", { name: "beach.mp4" });
    await act(async () => {
      await emit("tauri://drag-drop", { paths: ["/photos/my cat.jpg"], position: { x: 10, y: 10 } });
    });
    expect(await screen.findByText("Scenes that look like my cat.jpg")).toBeInTheDocument();
    expect(screen.getByText("The picture shows: tabby cat, cat, animal")).toBeInTheDocument();
    const list = await screen.findByRole("listbox", { name: "Scenes found" });
    expect(within(list).getByText("looks like it 91%")).toBeInTheDocument();
    expect(callsOf(backend, "search_image")[0]?.args).toEqual({ path: "/photos/my cat.jpg", limit: 30 });
    // A picture is a query, not a video to import.
    expect(callsOf(backend, "import_paths")).toHaveLength(0);
    await userEvent.click(screen.getByRole("button", { name: "Clear" }));
    expect(screen.queryByText("Scenes that look like my cat.jpg")).not.toBeInTheDocument();
  });
});
