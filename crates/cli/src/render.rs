//! Plain-text tables and JSON output.

/// `println!` that ends the program quietly when the reader of stdout went away
/// (`greenroom ls | head`), instead of panicking on the broken pipe.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

use greenroom::catalog::store::WriteStats;
use serde::Serialize;

/// Prints rows as aligned columns under a header; the last column is not padded.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        crate::out!("{}", out.trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// Prints a value as pretty JSON.
pub fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    crate::out!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// `group:default/team-a` as people write it: `team-a` where the kind is implied.
pub fn short_ref(key: &str, implied_kind: &str) -> String {
    let Some((kind, rest)) = key.split_once(':') else {
        return key.to_owned();
    };
    let rest = rest.strip_prefix("default/").unwrap_or(rest);
    if kind.eq_ignore_ascii_case(implied_kind) {
        rest.to_owned()
    } else {
        format!("{kind}:{rest}")
    }
}

/// Milliseconds since the epoch as "3 min ago".
pub fn ago(millis: Option<i64>) -> String {
    let Some(millis) = millis else {
        return "never".to_owned();
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(millis);
    let seconds = (now - millis).max(0) / 1000;
    match seconds {
        0..=59 => format!("{seconds} s ago"),
        60..=3599 => format!("{} min ago", seconds / 60),
        3600..=86_399 => format!("{} h ago", seconds / 3600),
        _ => format!("{} days ago", seconds / 86_400),
    }
}

/// What a write changed, in words: "no changes" or "N added, N updated, N removed".
pub fn changes(stats: &WriteStats) -> String {
    if stats.added + stats.updated + stats.removed == 0 {
        "no changes".to_owned()
    } else {
        format!(
            "{} added, {} updated, {} removed",
            stats.added, stats.updated, stats.removed
        )
    }
}
