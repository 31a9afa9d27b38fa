//! The docs files of a site: what MkDocs' `get_files` collects from `docs_dir`, plus the
//! folders the monorepo plugin merges in under their aliases.

use std::collections::HashMap;

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::files::{DocsFiles, EntryKind};
use crate::path;
use crate::report::{Warning, WarningKind};

/// File name extensions MkDocs treats as Markdown pages.
const MARKDOWN_EXTENSIONS: &[&str] = &[".md", ".markdown", ".mdown", ".mkdn", ".mkd"];

/// Deepest folder nesting walked; deeper folders are reported and skipped.
const MAX_DEPTH: usize = 48;

/// How a file takes part in the site (MkDocs' `InclusionLevel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inclusion {
    /// Built and listed in the implicit nav.
    Included,
    /// Built but kept out of the implicit nav (`not_in_nav`).
    NotInNav,
    /// Not built (`exclude_docs`, dot files, `/templates/`).
    Excluded,
}

/// One file of the docs tree.
#[derive(Debug, Clone)]
pub(crate) struct DocFile {
    /// Path relative to the (merged) docs root, as MkDocs' `src_uri`.
    pub src_uri: String,
    /// Repository-relative path of the source file.
    pub repo_path: String,
    /// Whether it is a Markdown page (else an asset copied as is).
    pub is_page: bool,
    /// Whether it is built / listed.
    pub inclusion: Inclusion,
}

impl DocFile {
    /// MkDocs' `File.name`: the stem, with `README` counting as `index`.
    pub fn name(&self) -> &str {
        let (stem, _) = path::split_ext(path::file_name(&self.src_uri));
        if stem == "README" { "index" } else { stem }
    }

    /// The output path of the file relative to the site root.
    pub fn dest_uri(&self, use_directory_urls: bool) -> String {
        if !self.is_page {
            return self.src_uri.clone();
        }
        let dir = path::parent(&self.src_uri);
        let name = self.name();
        if !use_directory_urls || name == "index" {
            path::concat(dir, &format!("{name}.html"))
        } else {
            path::concat(&path::concat(dir, name), "index.html")
        }
    }

    /// The URL of the output relative to the site root (`a/b/` or `a/b.html`), unquoted.
    pub fn url(&self, use_directory_urls: bool) -> String {
        let dest = self.dest_uri(use_directory_urls);
        if use_directory_urls && path::file_name(&dest) == "index.html" {
            let dir = path::parent(&dest);
            if dir.is_empty() {
                String::new()
            } else {
                format!("{dir}/")
            }
        } else {
            dest
        }
    }
}

/// A folder merged into the docs tree under a prefix (empty for the site's own docs_dir).
#[derive(Debug, Clone)]
pub(crate) struct DocsRoot {
    /// Prefix inside the merged tree (`""` or the monorepo alias).
    pub alias: String,
    /// Repository-relative docs folder.
    pub dir: String,
}

/// The collected files, in MkDocs' order, with a lookup by `src_uri`.
#[derive(Debug, Clone, Default)]
pub(crate) struct DocsTree {
    /// Files in walk order (index/README first in each folder, files before sub-folders).
    pub files: Vec<DocFile>,
    by_uri: HashMap<String, usize>,
}

impl DocsTree {
    /// The file with this `src_uri`, if collected (excluded files included).
    pub fn get(&self, src_uri: &str) -> Option<usize> {
        self.by_uri.get(src_uri).copied()
    }
}

/// Walks the docs roots and applies MkDocs' exclusions and README/index conflict rule.
pub(crate) fn collect(
    files: &dyn DocsFiles,
    roots: &[DocsRoot],
    exclude_docs: &[String],
    not_in_nav: &[String],
    use_directory_urls: bool,
    config_file: &str,
    warnings: &mut Vec<Warning>,
) -> DocsTree {
    let exclude = matcher(&[".*", "/templates/"], exclude_docs);
    let hide = matcher(&[], not_in_nav);
    let mut tree = DocsTree::default();
    for root in roots {
        if files.kind(&root.dir) != Some(EntryKind::Dir) {
            warnings.push(Warning::new(
                WarningKind::Config,
                config_file,
                0,
                format!(
                    "the docs folder '{}' does not exist; create it or set docs_dir",
                    root.dir
                ),
            ));
            continue;
        }
        let mut stack = Vec::new();
        walk(files, root, "", &mut stack, &mut tree.files, warnings);
    }

    // Exclusions, then "README.md loses to index.md in the same folder" as MkDocs does.
    for file in &mut tree.files {
        let is_excluded = exclude
            .matched_path_or_any_parents(&file.src_uri, false)
            .is_ignore();
        file.inclusion = if is_excluded {
            Inclusion::Excluded
        } else if hide
            .matched_path_or_any_parents(&file.src_uri, false)
            .is_ignore()
        {
            Inclusion::NotInNav
        } else {
            Inclusion::Included
        };
    }
    let mut by_dest: HashMap<String, usize> = HashMap::new();
    let mut drop = vec![false; tree.files.len()];
    for i in 0..tree.files.len() {
        // MkDocs only compares files of the same folder (`files_by_dest` is per folder).
        let file = &tree.files[i];
        let dest = format!(
            "{}\0{}",
            path::parent(&file.src_uri),
            file.dest_uri(use_directory_urls)
        );
        if let Some(&first) = by_dest.get(&dest) {
            let (a, b) = (&tree.files[first], &tree.files[i]);
            if b.inclusion != Inclusion::Excluded {
                if a.inclusion != Inclusion::Excluded {
                    warnings.push(Warning::new(
                        WarningKind::File,
                        &a.repo_path,
                        0,
                        format!(
                            "excluded from the site because it conflicts with '{}'",
                            b.repo_path
                        ),
                    ));
                }
                drop[first] = true;
                by_dest.insert(dest, i);
            } else {
                drop[i] = true;
            }
        } else {
            by_dest.insert(dest, i);
        }
    }
    let mut keep = drop.iter().map(|d| !d);
    tree.files.retain(|_| keep.next().unwrap_or(true));
    tree.by_uri = tree
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.src_uri.clone(), i))
        .collect();
    tree
}

fn walk(
    files: &dyn DocsFiles,
    root: &DocsRoot,
    rel: &str,
    stack: &mut Vec<String>,
    out: &mut Vec<DocFile>,
    warnings: &mut Vec<Warning>,
) {
    let dir = path::concat(&root.dir, rel);
    let identity = match files.dir_identity(&dir) {
        Ok(id) => id,
        Err(err) => {
            warnings.push(Warning::new(WarningKind::File, &dir, 0, err.to_string()));
            return;
        }
    };
    if stack.contains(&identity) {
        warnings.push(Warning::new(
            WarningKind::File,
            &dir,
            0,
            "symlink loop: this folder links back to a folder that contains it; it is skipped",
        ));
        return;
    }
    if stack.len() >= MAX_DEPTH {
        warnings.push(Warning::new(
            WarningKind::File,
            &dir,
            0,
            format!("folders nested deeper than {MAX_DEPTH} levels are skipped"),
        ));
        return;
    }
    let listing = match files.list_dir(&dir) {
        Ok(listing) => listing,
        Err(err) => {
            warnings.push(Warning::new(WarningKind::File, &dir, 0, err.to_string()));
            return;
        }
    };
    for skipped in listing.skipped {
        let message = skipped.to_string();
        warnings.push(Warning::new(WarningKind::File, &dir, 0, message));
    }
    let mut file_names: Vec<&str> = Vec::new();
    let mut dir_names: Vec<&str> = Vec::new();
    for entry in &listing.entries {
        match entry.kind {
            EntryKind::File => file_names.push(&entry.name),
            EntryKind::Dir => dir_names.push(&entry.name),
        }
    }
    // MkDocs: `index`/`README` first, then by name; folders after files, by name.
    file_names.sort_by_key(|name| {
        let stem = path::split_ext(name).0;
        (stem != "index" && stem != "README", *name)
    });
    for name in file_names {
        let rel_file = path::concat(rel, name);
        let lower = name.to_ascii_lowercase();
        out.push(DocFile {
            src_uri: path::concat(&root.alias, &rel_file),
            repo_path: path::concat(&root.dir, &rel_file),
            is_page: MARKDOWN_EXTENSIONS.iter().any(|ext| lower.ends_with(ext)),
            inclusion: Inclusion::Included,
        });
    }
    stack.push(identity);
    for name in dir_names {
        walk(files, root, &path::concat(rel, name), stack, out, warnings);
    }
    stack.pop();
}

fn matcher(defaults: &[&str], patterns: &[String]) -> Gitignore {
    let mut builder = GitignoreBuilder::new("");
    for pattern in defaults
        .iter()
        .copied()
        .chain(patterns.iter().map(String::as_str))
    {
        // A bad pattern only loses that pattern; MkDocs would refuse the config.
        let _ = builder.add_line(None, pattern);
    }
    builder.build().unwrap_or_else(|_| Gitignore::empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(src: &str) -> DocFile {
        DocFile {
            src_uri: src.into(),
            repo_path: src.into(),
            is_page: true,
            inclusion: Inclusion::Included,
        }
    }

    #[test]
    fn urls_follow_use_directory_urls() {
        assert_eq!(page("a/b.md").url(true), "a/b/");
        assert_eq!(page("a/b.md").url(false), "a/b.html");
        assert_eq!(page("index.md").url(true), "");
        assert_eq!(page("a/README.md").url(true), "a/");
        assert_eq!(page("a/README.md").dest_uri(false), "a/index.html");
    }
}
