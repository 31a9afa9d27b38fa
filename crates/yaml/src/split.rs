//! Splits a multi-document stream at its `---` markers, so that a syntax error in one
//! document does not sink its siblings (Backstage parses each document on its own too).
//!
//! Cutting at the text level is sound: YAML forbids a `---` at the start of a line inside
//! a document's content, so such a line always starts a new document.

/// One document's text and the line it starts on in the whole stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Chunk<'a> {
    pub text: &'a str,
    /// Line (from 1) of the chunk's first line in the whole stream.
    pub first_line: u32,
}

pub(crate) fn split_documents(text: &str) -> Vec<Chunk<'_>> {
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut start_line = 1u32;
    let mut offset = 0usize;
    // Until something other than blank lines, comments and directives is seen, a marker
    // does not close a document: it opens the first one.
    let mut has_content = false;
    for (line_no, line) in (1u32..).zip(text.split_inclusive('\n')) {
        if is_document_start(line) {
            if has_content {
                chunks.push(Chunk {
                    text: &text[start..offset],
                    first_line: start_line,
                });
                start = offset;
                start_line = line_no;
            }
            has_content = true;
        } else if !has_content && !is_preamble(line) {
            has_content = true;
        }
        offset += line.len();
    }
    if has_content || chunks.is_empty() {
        chunks.push(Chunk {
            text: &text[start..],
            first_line: start_line,
        });
    }
    chunks
}

fn is_document_start(line: &str) -> bool {
    line.strip_prefix("---")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
}

fn is_preamble(line: &str) -> bool {
    let trimmed = line.trim();
    trimmed.is_empty() || trimmed.starts_with('#') || line.starts_with('%')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(input: &str) -> Vec<(&str, u32)> {
        split_documents(input)
            .into_iter()
            .map(|c| (c.text, c.first_line))
            .collect()
    }

    #[test]
    fn splits_at_markers_and_keeps_line_numbers() {
        assert_eq!(
            texts("a: 1\n---\nb: 2\n"),
            vec![("a: 1\n", 1), ("---\nb: 2\n", 2)]
        );
        assert_eq!(
            texts("# c\n---\na: 1\n---\nb: 2"),
            vec![("# c\n---\na: 1\n", 1), ("---\nb: 2", 4)]
        );
        assert_eq!(
            texts("%YAML 1.2\n---\na: 1\n"),
            vec![("%YAML 1.2\n---\na: 1\n", 1)]
        );
        assert_eq!(texts("a: 1\n---\n"), vec![("a: 1\n", 1), ("---\n", 2)]);
        assert_eq!(texts(""), vec![("", 1)]);
    }

    #[test]
    fn ignores_look_alikes() {
        assert_eq!(texts("a: |\n  ---\nb: ---x\n----\n").len(), 1);
        assert_eq!(texts("--- !tag\na: 1\n--- # next\nb: 1\n").len(), 2);
    }
}
