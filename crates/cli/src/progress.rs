//! A progress bar for indexing, drawn only when a person is watching (stdout is a
//! terminal); scripts and CI get clean output.

use std::io::IsTerminal;
use std::sync::{Mutex, MutexGuard};

use greenroom::Progress;
use greenroom::docs::DocsProgress;
use indicatif::{ProgressBar, ProgressStyle};

/// Draws index progress on the terminal.
pub struct IndexBar {
    bar: Mutex<Option<ProgressBar>>,
    enabled: bool,
}

impl IndexBar {
    /// A bar if stdout is a terminal, otherwise a silent sink.
    pub fn new() -> Self {
        IndexBar {
            bar: Mutex::new(None),
            enabled: std::io::stdout().is_terminal(),
        }
    }

    /// The bar's slot, when a person is watching.
    fn slot(&self) -> Option<MutexGuard<'_, Option<ProgressBar>>> {
        self.enabled.then(|| self.bar.lock().ok()).flatten()
    }

    /// Handles one progress event.
    pub fn update(&self, event: Progress) {
        let Some(mut slot) = self.slot() else {
            return;
        };
        match event {
            Progress::SourceStarted {
                name,
                position,
                count,
                ..
            } => {
                let bar = ProgressBar::new_spinner()
                    .with_message(format!("[{position}/{count}] {name}: finding repositories"));
                bar.enable_steady_tick(std::time::Duration::from_millis(100));
                *slot = Some(bar);
            }
            Progress::Discovered { repos, .. } => {
                if let Some(bar) = slot.as_ref() {
                    bar.set_length(repos as u64);
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{spinner} {msg} [{bar:30}] {pos}/{len} repositories ({eta})",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                    );
                    bar.set_message(bar.message().replace(": finding repositories", ""));
                }
            }
            Progress::Scanned { done, .. } => {
                if let Some(bar) = slot.as_ref() {
                    bar.set_position(done as u64);
                }
            }
            Progress::Writing { .. } => {
                if let Some(bar) = slot.as_ref() {
                    bar.set_message(format!("{}: writing", bar.message()));
                }
            }
            Progress::SourceFinished { .. } => {
                if let Some(bar) = slot.take() {
                    bar.finish_and_clear();
                }
            }
            // The CLI builds docs in a step of its own, after the index (see `docs`).
            Progress::Docs { .. } => {}
        }
    }

    /// Handles one event of a docs build: a bar over the sites.
    pub fn docs(&self, event: DocsProgress) {
        let Some(mut slot) = self.slot() else {
            return;
        };
        match event {
            DocsProgress::Started { sites: 0 } => *slot = None,
            DocsProgress::Started { sites } => {
                let bar = ProgressBar::new(sites as u64).with_style(
                    ProgressStyle::with_template(
                        "{spinner} docs [{bar:30}] {pos}/{len} sites {msg}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                bar.enable_steady_tick(std::time::Duration::from_millis(100));
                *slot = Some(bar);
            }
            DocsProgress::Built { done, total, name } => {
                if let Some(bar) = slot.as_ref() {
                    bar.set_position(done as u64);
                    bar.set_message(name);
                    if done >= total {
                        bar.finish_and_clear();
                    }
                }
            }
        }
    }
}
