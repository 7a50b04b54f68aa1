// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// The picture model's per-layer buffers are tens of MB each; the system allocator hands them back
/// to the OS and faults them in again on every batch (about a third of the vision stage's time),
/// mimalloc keeps them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Before any thread starts (it may set an environment variable).
    heimdex_app::prepare_process();
    heimdex_desktop::run();
}
