//! Page metadata as MkDocs' `meta.get_data` reads it: a YAML block between `---` lines, or
//! else MultiMarkdown `key: value` lines at the very top (which is why a page starting
//! with "Note: …" loses that line in MkDocs too).

use greenroom_yaml::Limits;

/// Splits off the metadata; returns the `title` (if any), the body, and the body's first
/// line number in the file.
pub(crate) fn split(source: &str) -> (Option<String>, &str, u32) {
    if let Some((yaml, end)) = yaml_block(source) {
        let parsed = greenroom_yaml::parse_single(yaml, &Limits::default());
        // MkDocs keeps the block in the page when it is not a mapping or does not parse.
        if let Ok(root) = parsed
            && root.as_map().is_some()
        {
            let title = root.get("title").and_then(crate::config::scalar_string);
            let after = &source[end..];
            let body = after.trim_start_matches('\n');
            let line = 1 + source[..source.len() - body.len()].matches('\n').count() as u32;
            return (title, body, line);
        }
        return (None, source, 1);
    }
    multimarkdown(source)
}

/// `^---[ \t]*\n(.*?\n)(?:\.\.\.|---)[ \t]*\n`: the YAML text and the offset after the block.
fn yaml_block(source: &str) -> Option<(&str, usize)> {
    let first_end = source.find('\n')?;
    let first = &source[..first_end];
    if !(first.starts_with("---") && first[3..].trim_matches([' ', '\t']).is_empty()) {
        return None;
    }
    let mut offset = first_end + 1;
    let start = offset;
    while offset < source.len() {
        let line_end = source[offset..].find('\n')? + offset;
        let line = &source[offset..line_end];
        let marker = line
            .strip_prefix("---")
            .or_else(|| line.strip_prefix("..."));
        if offset > start && marker.is_some_and(|rest| rest.trim_matches([' ', '\t']).is_empty()) {
            return Some((&source[start..offset], line_end + 1));
        }
        offset = line_end + 1;
    }
    None
}

fn multimarkdown(source: &str) -> (Option<String>, &str, u32) {
    let mut title: Option<String> = None;
    let mut key: Option<String> = None;
    let mut offset = 0;
    let mut line_no = 1;
    let mut consumed_any = false;
    while offset < source.len() {
        let line_end = source[offset..]
            .find('\n')
            .map_or(source.len(), |e| offset + e);
        let line = source[offset..line_end].trim_end_matches('\r');
        if line.trim().is_empty() {
            if consumed_any {
                // The blank line ends the metadata and is consumed with it.
                offset = (line_end + 1).min(source.len());
                line_no += 1;
            }
            break;
        }
        if let Some((k, v)) = meta_line(line) {
            let k = k.to_lowercase();
            if k == "title" {
                title = Some(match (&title, key.as_deref()) {
                    (Some(t), Some("title")) => format!("{t} {v}"),
                    _ => v.to_string(),
                });
            }
            key = Some(k);
        } else if (line.starts_with("    ") || line.starts_with('\t')) && key.is_some() {
            if key.as_deref() == Some("title")
                && let Some(t) = &mut title
            {
                t.push(' ');
                t.push_str(line.trim());
            }
        } else {
            break;
        }
        consumed_any = true;
        offset = (line_end + 1).min(source.len());
        line_no += 1;
    }
    if !consumed_any {
        return (None, source, 1);
    }
    let body = &source[offset.min(source.len())..];
    let trimmed = body.trim_start_matches('\n');
    let skipped = (body.len() - trimmed.len()) as u32;
    (title, trimmed, line_no + skipped)
}

/// `^[ ]{0,3}([A-Za-z0-9_-]+):\s*(.*)`.
fn meta_line(line: &str) -> Option<(&str, &str)> {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let (key, value) = trimmed.split_once(':')?;
    (!key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
    .then(|| (key, value.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_front_matter() {
        let (title, body, line) = split("---\ntitle: Hello\ntags: [a]\n---\n\n# Body\n");
        assert_eq!(title.as_deref(), Some("Hello"));
        assert_eq!(body, "# Body\n");
        assert_eq!(line, 6);
        let (title, body, _) = split("---\njust text\n---\n# B\n");
        assert_eq!(title, None);
        assert!(body.starts_with("---"));
    }

    #[test]
    fn multimarkdown_metadata_eats_leading_key_value_lines() {
        let (title, body, line) = split("Title: A page\nAuthor: me\n\n# Heading\n");
        assert_eq!(title.as_deref(), Some("A page"));
        assert_eq!(body, "# Heading\n");
        assert_eq!(line, 4);
        let (title, body, _) = split("# Heading\ntext\n");
        assert_eq!(title, None);
        assert_eq!(body, "# Heading\ntext\n");
    }
}
