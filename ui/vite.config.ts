/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The window loads the built files from the binary (tauri.conf.json: frontendDist ../ui/dist);
// `npm run dev` serves them on a fixed port for `tauri dev`.
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    // WebKitGTK 2.4x on Debian 12 and the webviews of macOS/Windows all run ES2022.
    target: "es2022",
    sourcemap: false,
    // Inline nothing as data: URLs; the CSP only allows files of the app itself.
    assetsInlineLimit: 0,
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    css: false,
    restoreMocks: true,
    // Shared CI machines are slow; no test here measures time.
    testTimeout: 30_000,
  },
});
