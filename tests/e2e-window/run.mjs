// End-to-end test of the real window: drives the built Heimdex app through tauri-driver
// (WebDriver over HTTP, plain fetch, no client library). Started by scripts/e2e-window.sh, which
// sets up Xvfb, tauri-driver and a temporary data directory.
//
// Env: HEIMDEX_APP (path to the built binary), HEIMDEX_E2E_VIDEO (video to import),
//      HEIMDEX_E2E_ARTIFACTS (folder for screenshots), WEBDRIVER_URL (default http://127.0.0.1:4444).

import { mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";

const DRIVER = process.env.WEBDRIVER_URL ?? "http://127.0.0.1:4444";
const APP = required("HEIMDEX_APP");
const VIDEO = required("HEIMDEX_E2E_VIDEO");
const ARTIFACTS = required("HEIMDEX_E2E_ARTIFACTS");
const INDEX_TIMEOUT_MS = Number(process.env.HEIMDEX_E2E_TIMEOUT_MS ?? 240_000);
// What to search for in the video; with HEIMDEX_E2E_REQUIRE_SEARCH=1 a search without hits fails
// the run (else the player is opened from the library).
const QUERY = process.env.HEIMDEX_E2E_QUERY ?? "testvideo";
const REQUIRE_SEARCH = process.env.HEIMDEX_E2E_REQUIRE_SEARCH === "1";
const ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf";

function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function wd(method, path, body) {
  const res = await fetch(`${DRIVER}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    const v = json.value ?? {};
    throw new Error(`${method} ${path}: ${res.status} ${v.error ?? ""} ${v.message ?? JSON.stringify(json)}`);
  }
  return json.value;
}

// A W3C element reference is an object with one key ("element-6066-…"); take its value.
const elementId = (ref) => Object.values(ref)[0];

class Session {
  constructor(id) {
    this.id = id;
  }
  static async start() {
    const caps = { capabilities: { alwaysMatch: { "tauri:options": { application: APP } } } };
    const v = await wd("POST", "/session", caps);
    return new Session(v.sessionId);
  }
  path(p) {
    return `/session/${this.id}${p}`;
  }
  async end() {
    await wd("DELETE", `/session/${this.id}`).catch(() => undefined);
  }
  async find(css) {
    const v = await wd("POST", this.path("/element"), { using: "css selector", value: css });
    return elementId(v);
  }
  async findAll(css) {
    const v = await wd("POST", this.path("/elements"), { using: "css selector", value: css });
    return v.map(elementId);
  }
  async waitFor(css, timeoutMs = 20_000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = await this.findAll(css);
      if (found.length > 0) return found[0];
      if (Date.now() > until) throw new Error(`timed out waiting for ${css}`);
      await sleep(250);
    }
  }
  async text(el) {
    return wd("GET", this.path(`/element/${el}/text`));
  }
  async click(el) {
    await wd("POST", this.path(`/element/${el}/click`), {});
  }
  async exec(script, args = []) {
    return wd("POST", this.path("/execute/sync"), { script, args });
  }
  async execAsync(script, args = []) {
    return wd("POST", this.path("/execute/async"), { script, args });
  }
  async screenshot(name) {
    const b64 = await wd("GET", this.path("/screenshot"));
    const file = join(ARTIFACTS, name);
    await writeFile(file, Buffer.from(b64, "base64"));
    console.log(`screenshot: ${file}`);
    return file;
  }
  async keys(el, text) {
    await wd("POST", this.path(`/element/${el}/value`), { text });
  }
}

/** Polls the <video> until `ok(state)` (or a media error) or 20 s, and returns its last state. */
async function waitForMedia(s, ok, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const m = await s.exec(`const v = document.querySelector("video");
      return v ? { src: v.currentSrc || v.src, readyState: v.readyState, currentTime: v.currentTime,
        duration: v.duration, seeking: v.seeking, paused: v.paused,
        decodedFrames: v.webkitDecodedFrameCount ?? null, width: v.videoWidth,
        error: v.error ? v.error.code + " " + v.error.message : null } : null;`);
    if (m && (ok(m) || m.error)) return m;
    if (Date.now() > until) {
      console.log(`media state: ${JSON.stringify(m)}`);
      return m ?? { src: "", readyState: 0, currentTime: NaN, duration: NaN, seeking: false, error: "no video element" };
    }
    await sleep(200);
  }
}

/** A sign-in server speaking the GoTrue endpoints the window uses (password grant, /user,
 * /logout), on a free loopback port. Returns its URL, the revoked access tokens and a stop(). */
async function fakeGoTrue() {
  const user = { id: "6f1c2b9e-3d4a-4c5b-8e7f-0a1b2c3d4e5f", email: "ada@example.com", role: "authenticated" };
  const revoked = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const url = new URL(req.url, "http://127.0.0.1");
      const send = (status, json) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(json === undefined ? "" : JSON.stringify(json));
      };
      if (req.headers.apikey !== "e2e-anon-key") return send(401, { msg: "Invalid API key" });
      if (req.method === "POST" && url.pathname === "/auth/v1/token" && url.searchParams.get("grant_type") === "password") {
        const b = JSON.parse(body || "{}");
        if (b.email !== user.email || b.password !== "correct horse") return send(400, { error: "invalid_grant", error_description: "Invalid login credentials" });
        return send(200, { access_token: "e2e-access", refresh_token: "e2e-refresh", token_type: "bearer", expires_in: 3600, user });
      }
      if (req.method === "GET" && url.pathname === "/auth/v1/user") return send(200, user);
      if (req.method === "POST" && url.pathname === "/auth/v1/logout") {
        revoked.push(String(req.headers.authorization ?? ""));
        return send(204);
      }
      send(404, { msg: "not found" });
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, revoked, stop: () => server.close() };
}

function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

async function main() {
  await mkdir(ARTIFACTS, { recursive: true });
  const s = await Session.start();
  let passed = 0;
  const step = async (name, f) => {
    const t0 = Date.now();
    await f();
    passed += 1;
    console.log(`ok - ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  };
  try {
    await step("the window opens on the empty library", async () => {
      await s.waitFor("#library-title");
      const empty = await s.waitFor(".empty-state h2");
      assert((await s.text(empty)).includes("Drop videos"), "empty state shown");
      await sleep(300);
      await s.screenshot("01-library-empty.png");
    });

    await step("importing a video through the command shows it in the grid", async () => {
      const summary = await s.execAsync(
        `const done = arguments[arguments.length - 1];
         window.__TAURI_INTERNALS__.invoke("import_paths", { paths: [arguments[0]] })
           .then((r) => done({ ok: r }), (e) => done({ err: e }));`,
        [VIDEO],
      );
      assert(summary.ok, `import_paths failed: ${JSON.stringify(summary.err)}`);
      assert(summary.ok.added.length === 1, `one video added: ${JSON.stringify(summary.ok)}`);
      await s.waitFor("article[data-video-id]");
    });

    let status = "";
    await step("the video is indexed", async () => {
      const until = Date.now() + INDEX_TIMEOUT_MS;
      let shotProgress = false;
      for (;;) {
        const card = await s.find("article[data-video-id]");
        status = await s.exec(`return document.querySelector("article[data-video-id]").dataset.status;`);
        if (!shotProgress && (status === "indexing" || status === "queued")) {
          await s.screenshot("02-library-importing.png");
          shotProgress = true;
        }
        if (status === "ready" || status === "failed" || status === "cancelled") {
          console.log(`card: ${(await s.text(card)).replace(/\s+/g, " ")}`);
          break;
        }
        if (Date.now() > until) throw new Error(`still ${status} after ${INDEX_TIMEOUT_MS} ms`);
        await sleep(500);
      }
      await sleep(500); // let the poster image decode
      await s.screenshot("03-library-indexed.png");
      assert(status === "ready", `video indexed, status is ${status}`);
      const poster = await s.exec(
        `const img = document.querySelector("article[data-video-id] .card-poster img");
         return img ? { src: img.src, w: img.naturalWidth } : null;`,
      );
      console.log(`poster: ${JSON.stringify(poster)}`);
      assert(poster && poster.w > 0, "the poster image loaded");
    });

    // The player: open the video at a scene start, from a search hit when search finds one, else
    // from the library (the scene strip), and check that the real <video> got there.
    let expected = null;
    await step("Ctrl+K focuses the search box; search answers", async () => {
      await s.exec(
        `window.dispatchEvent(new KeyboardEvent("keydown", { key: "k", ctrlKey: true, bubbles: true }));`,
      );
      const box = await s.waitFor("input[type=search]");
      const focused = await s.exec(`return document.activeElement && document.activeElement.type === "search";`);
      assert(focused, "Ctrl+K focuses the search box");
      await s.keys(box, QUERY);
      const until = Date.now() + 20_000;
      let state = null;
      for (;;) {
        state = await s.exec(`
          if (document.querySelector("#search-hits [role=option]")) return "hits";
          if (document.querySelector(".search-note[data-state=empty]")) return "empty";
          const alert = document.querySelector(".view-search [role=alert]");
          return alert ? "error: " + alert.textContent : null;`);
        if (state) break;
        if (Date.now() > until) throw new Error("no search answer");
        await sleep(200);
      }
      await sleep(400); // thumbnails decode
      await s.screenshot("04-results.png");
      console.log(`search "${QUERY}": ${state}`);
      if (state !== "hits") {
        assert(!REQUIRE_SEARCH, `search found nothing: ${state}`);
        return;
      }
      const first = await s.exec(`const h = document.querySelector("#search-hits [role=option]");
        return { start: Number(h.dataset.start), text: h.textContent };`);
      console.log(`first hit: ${first.text}`);
      expected = first.start;
      await s.keys(box, "\uE007"); // Enter opens the selected (first) hit
    });

    await step("the player opens at the scene start", async () => {
      if (expected == null) {
        // No search hit: open the video from the library and pick a scene from the strip.
        const nav = await s.findAll(".nav-item");
        await s.click(nav[0]);
        await s.click(await s.waitFor("button.card-poster-button"));
        await s.waitFor("video[data-testid=player-video]");
        await s.waitFor("ol.scene-strip button.scene");
        const all = await s.findAll("ol.scene-strip button.scene");
        assert(all.length >= 2, `the scene strip shows the scenes (${all.length})`);
        const target = all[Math.min(2, all.length - 1)];
        expected = Number(await s.exec(`return arguments[0].dataset.start;`, [{ [ELEMENT_KEY]: target }]));
        // Let the metadata load before seeking, as a user would.
        await waitForMedia(s, (m) => m.readyState >= 1);
        await s.click(target);
      }
      const m = await waitForMedia(s, (m) => m.readyState >= 2 && !m.seeking && Math.abs(m.currentTime - expected) < 0.5);
      console.log(`player: ${JSON.stringify(m)}, expected ${expected}`);
      assert(m.src.startsWith("http://127.0.0.1:"), `streams from the loopback media server: ${m.src}`);
      assert(m.error == null, `no media error: ${m.error}`);
      assert(Math.abs(m.currentTime - expected) < 0.5, `currentTime ${m.currentTime} within 0.5 s of ${expected}`);
      assert(m.duration > 20, `duration read: ${m.duration}`);
      await sleep(500);
      await s.screenshot("05-player.png");
      // Play a moment: the frames must decode (the screenshot may not show the video layer).
      await s.exec(`document.querySelector("video").play();`);
      await sleep(1200);
      await s.exec(`document.querySelector("video").pause();`);
      const played = await waitForMedia(s, (m) => m.paused);
      console.log(`after playing: ${JSON.stringify(played)}`);
      assert(played.currentTime > expected + 0.3, `playback advanced: ${played.currentTime}`);
      assert(played.width === 1280, `frames decoded at 1280 px: ${played.width}`);
      await s.screenshot("05b-player-played.png");
    });

    await step("arrow keys jump to the next scene", async () => {
      const next = await s.exec(`
        const t = document.querySelector("video").currentTime;
        const starts = [...document.querySelectorAll("ol.scene-strip button.scene")].map((b) => Number(b.dataset.start));
        return starts.find((x) => x > t + 0.01) ?? null;`);
      if (next == null) return;
      await s.exec(`document.activeElement && document.activeElement.blur();
        window.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));`);
      const m = await waitForMedia(s, (m) => !m.seeking && Math.abs(m.currentTime - next) < 0.5);
      assert(Math.abs(m.currentTime - next) < 0.5, `at the next scene ${next}: ${m.currentTime}`);
    });

    await step("a scene's picture finds it (search_image), and its hit shows what is seen", async () => {
      const invoke = (cmd, args) =>
        s.execAsync(
          `const done = arguments[arguments.length - 1];
           window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then(
             (r) => done({ ok: r }), (e) => done({ err: JSON.stringify(e) }));`,
          [cmd, args],
        );
      const words = await invoke("search", { query: QUERY, limit: 10 });
      assert(words.ok, `search answers: ${words.err}`);
      const withPicture = words.ok.hits.find((h) => h.thumbnailPath);
      assert(withPicture, "a hit has a picture");
      const byPicture = await invoke("search_image", { path: withPicture.thumbnailPath, limit: 5 });
      assert(byPicture.ok, `search_image answers: ${byPicture.err}`);
      const top = byPicture.ok.hits[0];
      console.log(`picture query: shows "${byPicture.ok.text}", first hit scene ${top?.sceneIdx} (picture ${top?.scores.picture})`);
      assert(byPicture.ok.signals.includes("picture"), `the picture signal ran: ${byPicture.ok.signals}`);
      assert(top && top.videoId === withPicture.videoId && top.sceneIdx === withPicture.sceneIdx,
        "a scene's own picture finds that scene first");
      // A word the vision stage saw, typed in the box: the hit shows its tags, the named one marked.
      const tagged = [...words.ok.hits, ...byPicture.ok.hits].find((h) => h.seen.length > 0);
      assert(tagged, "some scene has tags");
      const word = tagged.seen[0].label;
      await s.exec(`window.dispatchEvent(new KeyboardEvent("keydown", { key: "k", ctrlKey: true, bubbles: true }));`);
      await s.waitFor("input[type=search]");
      // Replace the box's text the way React sees typing (WebDriver's clear does not reach it).
      await s.exec(
        `const el = document.querySelector("input[type=search]");
         Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(el, arguments[0]);
         el.dispatchEvent(new Event("input", { bubbles: true }));`,
        [word],
      );
      await s.waitFor("#search-hits .hit-seen .tag-on", 20_000);
      await sleep(400);
      await s.screenshot("04b-seen-tags.png");
      const shown = await s.exec(`return document.querySelector("#search-hits .hit-seen").textContent;`);
      console.log(`"${word}": the first hit shows ${shown}`);
    });

    await step("settings show the data directory", async () => {
      const nav = await s.findAll(".nav-item");
      await s.click(nav[2]);
      await s.waitFor("code.path");
      const text = await s.exec(`return document.querySelector("code.path").textContent;`);
      console.log(`data dir: ${text}`);
      assert(text.startsWith("/") && text.endsWith("/data"), "the data dir is shown");
      await sleep(300);
      await s.screenshot("06-settings.png");
      await s.exec(`document.getElementById("provider-title").scrollIntoView({ block: "center" });`);
      await sleep(300);
      await s.screenshot("06b-settings-models-provider.png");
    });

    await step("the Sign in button signs in with email against the team server, and out", async () => {
      const gotrue = await fakeGoTrue();
      try {
        const account = await s.waitFor(".account-button");
        const offered = await s.exec(`return document.querySelector(".account-button").textContent;`);
        assert(offered.includes("Sign in"), `the sidebar offers Sign in: ${offered}`);
        await s.click(account);
        await s.keys(await s.waitFor('input[placeholder="https://your-project.supabase.co"]'), gotrue.url);
        await s.keys(await s.find('input[placeholder^="Public anon key"]'), "e2e-anon-key");
        await s.click(await s.find('form[aria-label="Set the sign-in server"] button[type="submit"]'));
        await s.waitFor('form[aria-label="Sign in with email"]');
        await s.keys(await s.find('input[type="email"]'), "ada@example.com");
        await s.keys(await s.find('input[type="password"]'), "wrong password");
        await s.click(await s.find('form[aria-label="Sign in with email"] button[type="submit"]'));
        await s.waitFor("#team .text-danger");
        const refused = await s.exec(`return document.querySelector("#team .text-danger").textContent;`);
        assert(refused.includes("Invalid login credentials"), `a wrong password is explained: ${refused}`);
        await s.exec(`const p = document.querySelector('input[type="password"]'); p.select();`);
        const pw = await s.find('input[type="password"]');
        await wd("POST", s.path(`/element/${pw}/clear`), {});
        await s.keys(pw, "correct horse");
        await s.click(await s.find('form[aria-label="Sign in with email"] button[type="submit"]'));
        const until = Date.now() + 15_000;
        let text = "";
        while (!text.includes("Signed in as ada@example.com")) {
          if (Date.now() > until) throw new Error(`not signed in: ${text}`);
          await sleep(250);
          text = await s.exec(`return document.getElementById("team")?.textContent ?? "";`);
        }
        await s.exec(`document.getElementById("team").scrollIntoView({ block: "nearest" });`);
        await sleep(300);
        await s.screenshot("08-team-signed-in.png");
        const sidebar = await s.exec(`return document.querySelector(".account-button").textContent;`);
        assert(sidebar.includes("ada@example.com"), `the sidebar names who is signed in: ${sidebar}`);
        // Team sync to a real Qdrant server (scripts/e2e-window.sh starts one when it is built):
        // set up from the panel, then everything indexed is pushed by "Sync now".
        const qdrant = process.env.HEIMDEX_TEST_QDRANT_URL;
        if (!qdrant) {
          console.log("SKIPPED: team sync to Qdrant: no Qdrant server (scripts/qdrant-server.sh build)");
        } else {
          const form = 'form[aria-label="Set up team sync"]';
          await s.waitFor(form);
          await s.keys(await s.find(`${form} input[placeholder^="https://qdrant"]`), qdrant);
          await s.keys(await s.find(`${form} input[placeholder^="Team id"]`), "2b7e1a4c-9d3f-4e6a-8b1c-5d2e3f4a5b6c");
          await s.keys(await s.find(`${form} input[type="password"]`), "e2e-server-key");
          await s.click(await s.find(`${form} input[type="checkbox"]`));
          await s.click(await s.find(`${form} button[type="submit"]`));
          const until2 = Date.now() + 30_000;
          let team = "";
          while (!team.includes(`qdrant ${qdrant}`)) {
            if (Date.now() > until2) throw new Error(`team sync not set up: ${team}`);
            await sleep(250);
            team = await s.exec(`return document.getElementById("team")?.textContent ?? "";`);
          }
          const sync = await s.exec(`const b = [...document.querySelectorAll("#team button")].find((b) => b.textContent === "Sync now");
            if (b) b.setAttribute("data-e2e", "sync-now"); return b != null;`);
          assert(sync, "a Sync now button is shown");
          await s.click(await s.find('[data-e2e="sync-now"]'));
          const until3 = Date.now() + 60_000;
          while (!(team.includes("nothing waiting") && team.includes("Everything is pushed."))) {
            if (Date.now() > until3) throw new Error(`not pushed: ${team}`);
            await sleep(250);
            team = await s.exec(`return document.getElementById("team")?.textContent ?? "";`);
          }
          assert(!team.includes("Last error"), `no error after the push: ${team}`);
          const http = process.env.QDRANT_HTTP_URL;
          const count = await fetch(`${http}/collections/heimdex_team_2b7e1a4c9d3f4e6a8b1c5d2e3f4a5b6c/points/count`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ exact: true }),
          }).then((r) => r.json());
          assert(count.result?.count > 0, `the scenes reached Qdrant: ${JSON.stringify(count)}`);
          console.log(`team sync: ${count.result.count} scenes in Qdrant's team collection`);
          await s.exec(`document.getElementById("team").scrollIntoView({ block: "nearest" });`);
          await sleep(300);
          await s.screenshot("08b-team-qdrant.png");
          // Team search from the window: the same words, now with the team's scenes merged in.
          await s.exec(
            `window.dispatchEvent(new KeyboardEvent("keydown", { key: "k", ctrlKey: true, bubbles: true }));`,
          );
          const box2 = await s.waitFor("input[type=search]");
          await s.exec(`const b = document.querySelector("input[type=search]");
            Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(b, "");
            b.dispatchEvent(new Event("input", { bubbles: true }));`);
          await s.keys(box2, QUERY);
          const until4 = Date.now() + 30_000;
          let teamText = "";
          for (;;) {
            teamText = await s.exec(`return document.querySelector("[data-kind=team-results]")?.textContent ?? "";`);
            if (teamText && !teamText.endsWith("With your team")) break;
            if (Date.now() > until4) throw new Error(`no team search answer: ${teamText}`);
            await sleep(250);
          }
          await s.exec(`document.querySelector("[data-kind=team-results]").scrollIntoView({ block: "center" });`);
          await sleep(300);
          await s.screenshot("08c-team-search.png");
          console.log(`team search "${QUERY}": ${teamText.slice(0, 300)}`);
          assert(teamText.includes("Here + team"), `a scene found here and on the team is marked: ${teamText}`);
          // Back to Settings → Team for the sign-out.
          const navAgain = await s.findAll(".nav-item");
          await s.click(navAgain[2]);
          await s.waitFor("#team");
        }
        const signOut = await s.exec(`const b = [...document.querySelectorAll("#team button")].find((b) => b.textContent === "Sign out");
          if (b) b.setAttribute("data-e2e", "sign-out"); return b != null;`);
        assert(signOut, "a Sign out button is shown");
        await s.click(await s.find('[data-e2e="sign-out"]'));
        await s.waitFor('form[aria-label="Sign in with email"]');
        assert(gotrue.revoked.includes("Bearer e2e-access"), `sign-out revoked the session: ${JSON.stringify(gotrue.revoked)}`);
      } finally {
        gotrue.stop();
      }
    });

    await step("dark theme renders", async () => {
      const nav = await s.findAll(".nav-item");
      await s.click(nav[0]);
      await s.exec(`document.documentElement.dataset.theme = "dark";`);
      await sleep(300);
      await s.screenshot("07-library-dark.png");
      await s.exec(`delete document.documentElement.dataset.theme;`);
    });
    console.log(`${passed} passed, 0 failed`);
  } catch (e) {
    await s.screenshot("failure.png").catch(() => undefined);
    console.error(`not ok - ${e.message}`);
    console.log(`${passed} passed, 1 failed`);
    process.exitCode = 1;
  } finally {
    await s.end();
  }
}

await main();
