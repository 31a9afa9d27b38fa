//! Generates the Tauri context (configuration, icons, capabilities) at compile time.

fn main() {
    tauri_build::build();
}
