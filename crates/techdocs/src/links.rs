//! Links between pages, resolved as MkDocs' `_RelativePathTreeprocessor.path_to_url` does:
//! a relative link to a source file becomes a URL relative to the linking page's output.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::path;
use crate::sources::{DocFile, DocsTree, Inclusion};

/// Python's `urllib.parse.quote(safe='/')`: everything but `A-Za-z0-9_.-~/` is escaped.
const PATH_QUOTE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~')
    .remove(b'/');

/// A file's URL as MkDocs' `File.url` (quoted; `./` for the root index with directory URLs).
pub(crate) fn file_url(file: &DocFile, use_directory_urls: bool) -> String {
    let url = file.url(use_directory_urls);
    if url.is_empty() {
        "./".to_string()
    } else {
        utf8_percent_encode(&url, PATH_QUOTE).to_string()
    }
}

fn norm_parts(path: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts
}

/// A page's URL as MkDocs' `Page.url`: quoted, and empty for the home page.
pub(crate) fn page_url(file: &DocFile, use_directory_urls: bool) -> String {
    utf8_percent_encode(&file.url(use_directory_urls), PATH_QUOTE).to_string()
}

/// MkDocs' `get_relative_url(url, other)`.
pub(crate) fn relative_url(url: &str, other: &str) -> String {
    let other = match other.rsplit_once('/') {
        Some((dir, base)) if base.contains('.') => dir,
        None if other.contains('.') => "",
        _ => other,
    };
    let other_parts = norm_parts(other);
    let dest_parts = norm_parts(url);
    let common = other_parts
        .iter()
        .zip(&dest_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut rel: Vec<&str> = vec![".."; other_parts.len() - common];
    rel.extend_from_slice(&dest_parts[common..]);
    let mut out = rel.join("/");
    if out.is_empty() {
        out.push('.');
    }
    if url.ends_with('/') {
        out.push('/');
    }
    out
}

/// The outcome of resolving one link written in a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// Rewritten to another docs file (page or asset), with the anchor to check, if any.
    File {
        href: String,
        target: usize,
        anchor: Option<String>,
    },
    /// `#anchor` on the same page.
    SamePage { anchor: String },
    /// Left as written; the message says why it is broken.
    Broken { href: String, message: String },
    /// Left as written without complaint.
    Unchanged { href: String },
}

/// Resolves `url` written in `from` (a file of `tree`).
pub(crate) fn resolve(
    url: &str,
    from: &DocFile,
    tree: &DocsTree,
    use_directory_urls: bool,
) -> Resolved {
    let (without_fragment, fragment) = match url.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (url, None),
    };
    let (path_part, query) = match without_fragment.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (without_fragment, None),
    };
    if url.starts_with('/') || url.starts_with('\\') {
        return Resolved::Broken {
            href: url.to_string(),
            message: format!(
                "absolute link '{url}' is left as is and will not work in the built site; make it relative to this file"
            ),
        };
    }
    if path_part.is_empty() {
        return match fragment {
            Some(anchor) if !anchor.is_empty() => Resolved::SamePage {
                anchor: anchor.to_string(),
            },
            _ => Resolved::Unchanged {
                href: url.to_string(),
            },
        };
    }
    let decoded = percent_decode_str(path_part).decode_utf8_lossy();
    let joined = format!("{}/{}", path::parent(&from.src_uri), decoded);
    let target_uri = match normpath(&joined) {
        Some(p) => p,
        None => {
            return Resolved::Broken {
                href: url.to_string(),
                message: format!("link '{url}' points outside the docs folder; it is left as is"),
            };
        }
    };
    let lookup = if target_uri == "." {
        from.src_uri.clone()
    } else {
        target_uri.clone()
    };
    let Some(target) = tree.get(&lookup) else {
        let has_ext = !path::split_ext(path::file_name(&decoded)).1.is_empty();
        if !has_ext {
            // MkDocs leaves links to folders alone; only complain if nothing is there.
            let guesses = [
                lookup.clone(),
                path::concat(&lookup, "index.md"),
                path::concat(&lookup, "README.md"),
                format!("{lookup}.md"),
            ];
            if guesses.iter().any(|g| tree.get(g).is_some()) {
                return Resolved::Unchanged {
                    href: url.to_string(),
                };
            }
        }
        return Resolved::Broken {
            href: url.to_string(),
            message: format!(
                "link '{url}': the target '{target_uri}' is not among the documentation files; fix the path (relative to this file) or add the file"
            ),
        };
    };
    let target_file = &tree.files[target];
    let mut href = relative_url(
        &file_url(target_file, use_directory_urls),
        &file_url(from, use_directory_urls),
    );
    if let Some(q) = query {
        href.push('?');
        href.push_str(q);
    }
    let anchor = fragment.filter(|f| !f.is_empty()).map(str::to_string);
    if let Some(f) = fragment {
        href.push('#');
        href.push_str(f);
    }
    if target_file.inclusion == Inclusion::Excluded {
        // MkDocs still rewrites the link, but the page is not in the built site.
        return Resolved::Broken {
            href,
            message: format!(
                "link '{url}' points to '{target_uri}', which is excluded from the site (exclude_docs)"
            ),
        };
    }
    Resolved::File {
        href,
        target,
        anchor,
    }
}

/// `posixpath.normpath(...).lstrip('/')`, or `None` if it climbs above the docs root.
fn normpath(p: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls_as_mkdocs() {
        assert_eq!(relative_url("./", "features/"), "../");
        assert_eq!(relative_url("./", "./"), "./");
        assert_eq!(relative_url("a/b/", "a/c/"), "../b/");
        assert_eq!(
            relative_url("img/x.png", "guide/install/"),
            "../../img/x.png"
        );
        assert_eq!(relative_url("a/b.html", "a/c.html"), "b.html");
        assert_eq!(relative_url("index.html", "a/c.html"), "../index.html");
    }
}
