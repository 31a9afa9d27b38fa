//! Heading ids exactly as Python-Markdown's `toc` extension makes them, so links written
//! for MkDocs (`page.md#some-heading`) keep working.

use std::collections::HashSet;

use unicode_normalization::UnicodeNormalization;

/// `toc.slugify`: NFKD, drop non-ASCII (unless `unicode`), drop everything but word
/// characters, spaces and hyphens, trim, lower-case, and turn runs of the separator and
/// whitespace into one separator.
pub fn slugify(value: &str, separator: char, unicode: bool) -> String {
    let mut kept = String::with_capacity(value.len());
    let mut push = |c: char| {
        // Python's `\w` (Unicode-aware) keeps letters, digits, marks and `_`.
        if c.is_alphanumeric() || c == '_' || c == '-' || c.is_whitespace() || is_mark(c) {
            kept.push(c);
        }
    };
    if unicode {
        value.chars().for_each(&mut push);
    } else {
        value.nfkd().filter(char::is_ascii).for_each(&mut push);
    }
    let lowered = kept.trim().to_lowercase();
    let mut out = String::with_capacity(lowered.len());
    let mut in_run = false;
    for c in lowered.chars() {
        if c == separator || c.is_whitespace() {
            if !in_run {
                out.push(separator);
                in_run = true;
            }
        } else {
            out.push(c);
            in_run = false;
        }
    }
    out
}

fn is_mark(c: char) -> bool {
    // Combining marks count as `\w` in Python; only reachable with `unicode` slugs.
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Python-Markdown's `unique`: append `_1`, `_2`, … (or bump an existing `_N`) until the id
/// is unused; an empty id becomes `_1`.
pub fn unique(id: String, used: &mut HashSet<String>) -> String {
    let mut id = id;
    while id.is_empty() || used.contains(&id) {
        id = match id.rsplit_once('_') {
            Some((stem, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                match n.parse::<u64>() {
                    Ok(n) => format!("{stem}_{}", n + 1),
                    Err(_) => format!("{id}_1"),
                }
            }
            _ => format!("{id}_1"),
        };
    }
    used.insert(id.clone());
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_match_python_markdown() {
        let cases = [
            ("Hello World", "hello-world"),
            ("  Getting   Started  ", "getting-started"),
            ("What's new in v2.0?", "whats-new-in-v20"),
            ("A -> B", "a-b"),
            ("Žlutý kůň", "zluty-kun"),
            ("C++ & Rust", "c-rust"),
            ("snake_case_name", "snake_case_name"),
            ("--flag", "-flag"),
            ("🚀 Launch", "launch"),
            ("日本語", ""),
        ];
        for (input, want) in cases {
            assert_eq!(slugify(input, '-', false), want, "{input}");
        }
        assert_eq!(slugify("Café Ünïcode", '-', true), "café-ünïcode");
    }

    #[test]
    fn duplicates_get_numbered_suffixes() {
        let mut used = HashSet::new();
        let ids: Vec<String> = ["usage", "usage", "usage", "", "", "usage_1"]
            .iter()
            .map(|s| unique(s.to_string(), &mut used))
            .collect();
        assert_eq!(ids, ["usage", "usage_1", "usage_2", "_1", "_2", "usage_3"]);
    }
}
