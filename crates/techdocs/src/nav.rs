//! Navigation as MkDocs builds it: the explicit `nav` (with the monorepo plugin's
//! `!include`), or the implicit one from the docs tree.

use greenroom_yaml::{Limits, Node, Value};

use crate::config::{MkdocsConfig, scalar_string};
use crate::files::{DocsFiles, EntryKind};
use crate::path;
use crate::report::{Warning, WarningKind};
use crate::sources::{DocsRoot, DocsTree, Inclusion};

/// A nav entry before it is matched against the docs files.
#[derive(Debug, Clone)]
pub(crate) enum NavSpec {
    /// `Title: target` or a bare `target` (a docs path or a URL).
    Entry {
        title: Option<String>,
        target: String,
        line: u32,
    },
    /// `Title: [children]`.
    Section {
        title: String,
        children: Vec<NavSpec>,
    },
    /// The implicit nav of the files under a monorepo alias (an included site without `nav`).
    ImplicitUnder { prefix: String },
}

/// A resolved nav entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NavItem {
    /// A page of the site (index into the docs tree) with the nav's title, if any.
    Page { title: Option<String>, file: usize },
    /// A section.
    Section {
        title: String,
        children: Vec<NavItem>,
    },
    /// A link elsewhere (external, absolute or not found).
    Link { title: Option<String>, url: String },
}

/// The explicit nav read from `mkdocs.yml`, with `!include`d sites expanded; also returns the
/// docs folders those sites add to the tree.
pub(crate) fn read_explicit(
    files: &dyn DocsFiles,
    config: &MkdocsConfig,
    nav: &Node,
    warnings: &mut Vec<Warning>,
) -> (Vec<NavSpec>, Vec<DocsRoot>) {
    let file = config.config_file.clone().unwrap_or_default();
    let mut reader = NavReader {
        files,
        config_file: &file,
        base_dir: config.base_dir(),
        roots: Vec::new(),
        warnings,
    };
    let specs = reader.items(nav, None, true);
    (specs, reader.roots)
}

struct NavReader<'a> {
    files: &'a dyn DocsFiles,
    config_file: &'a str,
    base_dir: &'a str,
    roots: Vec<DocsRoot>,
    warnings: &'a mut Vec<Warning>,
}

impl NavReader<'_> {
    fn warn(&mut self, node: &Node, message: String) {
        self.warnings.push(Warning::new(
            WarningKind::Nav,
            self.config_file,
            node.mark.line,
            message,
        ));
    }

    /// Items of a nav list (or mapping); `alias` prefixes paths of an included site.
    fn items(&mut self, node: &Node, alias: Option<&str>, allow_include: bool) -> Vec<NavSpec> {
        match &node.value {
            Value::Seq(items) => items
                .iter()
                .flat_map(|item| self.item(item, alias, allow_include))
                .collect(),
            Value::Map(_) => self.item(node, alias, allow_include),
            _ => self.item(node, alias, allow_include),
        }
    }

    fn item(&mut self, item: &Node, alias: Option<&str>, allow_include: bool) -> Vec<NavSpec> {
        match &item.value {
            Value::String(_) | Value::Int(_) | Value::Float(_) => {
                let target = scalar_string(item).unwrap_or_default();
                vec![self.entry(None, &target, item, alias)]
            }
            Value::Map(entries) => {
                let mut out = Vec::new();
                for (key, value) in entries {
                    let title = key.key_string();
                    let include = include_target(value);
                    if let Some((wildcard, target)) = include {
                        if !allow_include {
                            self.warn(value, "nested !include is not supported by the monorepo plugin; entry skipped".into());
                            continue;
                        }
                        if wildcard {
                            out.extend(self.wildcard_include(&title, &target, value));
                        } else if let Some(section) = self.include(Some(title), &target, value) {
                            out.push(section);
                        }
                    } else if value.as_str().is_some()
                        || matches!(value.value, Value::Int(_) | Value::Float(_))
                    {
                        let target = scalar_string(value).unwrap_or_default();
                        out.push(self.entry(Some(title), &target, value, alias));
                    } else if value.as_seq().is_some() || value.as_map().is_some() {
                        let children = self.items(value, alias, allow_include);
                        out.push(NavSpec::Section { title, children });
                    } else {
                        self.warn(
                            value,
                            format!("nav entry '{title}' must name a page, a URL or a list of entries; it is skipped"),
                        );
                    }
                }
                out
            }
            _ => {
                self.warn(
                    item,
                    format!(
                        "nav entries must be strings or mappings, found {}; skipped",
                        item.value.type_name()
                    ),
                );
                Vec::new()
            }
        }
    }

    fn entry(
        &self,
        title: Option<String>,
        target: &str,
        node: &Node,
        alias: Option<&str>,
    ) -> NavSpec {
        let target = match alias {
            Some(alias) if !is_url(target) => format!("{alias}/{target}"),
            _ => target.to_string(),
        };
        NavSpec::Entry {
            title,
            target,
            line: node.mark.line,
        }
    }

    /// `Title: '*include ./components/*/mkdocs.yml'`: one section per matching site.
    fn wildcard_include(&mut self, title: &str, pattern: &str, node: &Node) -> Vec<NavSpec> {
        let Ok(pattern) = path::join(self.base_dir, pattern) else {
            self.warn(
                node,
                format!("'{pattern}' leaves the repository; include skipped"),
            );
            return Vec::new();
        };
        let mut matches = Vec::new();
        expand_glob(
            self.files,
            "",
            &pattern.split('/').collect::<Vec<_>>(),
            &mut matches,
        );
        matches.sort();
        let children: Vec<NavSpec> = matches
            .iter()
            .filter_map(|m| {
                let rel = path::strip_dir(m, self.base_dir).unwrap_or(m).to_string();
                self.include(None, &rel, node)
            })
            .collect();
        if children.is_empty() {
            self.warn(node, format!("no mkdocs.yml matches '{pattern}'"));
            return Vec::new();
        }
        vec![NavSpec::Section {
            title: title.to_string(),
            children,
        }]
    }

    /// `Title: '!include ./sub/mkdocs.yml'`: the included site's nav under its alias.
    fn include(&mut self, title: Option<String>, target: &str, node: &Node) -> Option<NavSpec> {
        let yml = match path::join(self.base_dir, target) {
            Ok(p) => p,
            Err(err) => {
                self.warn(node, format!("!include {err}"));
                return None;
            }
        };
        if !(yml.ends_with(".yml") || yml.ends_with(".yaml")) {
            self.warn(
                node,
                format!("!include '{target}' must point to a mkdocs.yml file"),
            );
            return None;
        }
        let text = match self.files.read_text(&yml, 1 << 20) {
            Ok(text) => text,
            Err(err) => {
                self.warn(node, format!("!include: {err}"));
                return None;
            }
        };
        let included = match greenroom_yaml::parse_single(&text, &Limits::default()) {
            Ok(root) if root.as_map().is_some() => root,
            Ok(_) => {
                self.warn(
                    node,
                    format!("!include: '{yml}' is not a mapping of settings"),
                );
                return None;
            }
            Err(err) => {
                self.warn(
                    node,
                    format!(
                        "!include: {yml}:{}: invalid YAML: {}",
                        err.mark, err.message
                    ),
                );
                return None;
            }
        };
        let Some(site_name) = included.get("site_name").and_then(scalar_string) else {
            self.warn(
                node,
                format!(
                    "!include: '{yml}' has no site_name, which names the folder its pages go to"
                ),
            );
            return None;
        };
        let alias = monorepo_alias(&site_name);
        let docs_dir_value = included
            .get("docs_dir")
            .and_then(scalar_string)
            .unwrap_or_else(|| "docs".into());
        let docs_dir = match path::join(path::parent(&yml), &docs_dir_value) {
            Ok(dir) => dir,
            Err(err) => {
                self.warn(node, format!("!include: docs_dir of '{yml}': {err}"));
                return None;
            }
        };
        if self.files.kind(&docs_dir) != Some(EntryKind::Dir) {
            self.warn(
                node,
                format!("!include: the docs folder '{docs_dir}' of '{yml}' does not exist"),
            );
            return None;
        }
        if self.roots.iter().any(|r| r.alias == alias) {
            self.warn(node, format!("!include: two included sites are both named '{site_name}'; the second is skipped"));
            return None;
        }
        self.roots.push(DocsRoot {
            alias: alias.clone(),
            dir: docs_dir,
        });
        let children = match included.get("nav").filter(|n| !n.is_null()) {
            Some(nav) => self.items(nav, Some(&alias), false),
            None => vec![NavSpec::ImplicitUnder { prefix: alias }],
        };
        Some(NavSpec::Section {
            title: title.unwrap_or(site_name),
            children,
        })
    }
}

/// `(is_wildcard, path)` if a nav value is a monorepo include (`'!include x'` written as a
/// string, or the YAML tag `!include x`).
fn include_target(value: &Node) -> Option<(bool, String)> {
    if let (Some(tag), Some(s)) = (value.tag.as_deref(), value.as_str())
        && tag == "!include"
    {
        return Some((false, s.trim().to_string()));
    }
    let s = value.as_str()?;
    if let Some(rest) = s.strip_prefix("!include ") {
        Some((false, rest.trim().to_string()))
    } else {
        s.strip_prefix("*include ")
            .map(|rest| (true, rest.trim().to_string()))
    }
}

/// The folder name the monorepo plugin gives an included site: its `site_name` if made only
/// of `[A-Za-z0-9_.-/]`, else python-slugify of it.
pub(crate) fn monorepo_alias(site_name: &str) -> String {
    if !site_name.is_empty()
        && site_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/'))
    {
        return site_name.to_string();
    }
    let mut out = String::new();
    for c in unicode_normalization::UnicodeNormalization::nfkd(site_name) {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

fn expand_glob(files: &dyn DocsFiles, dir: &str, parts: &[&str], out: &mut Vec<String>) {
    let Some((first, rest)) = parts.split_first() else {
        return;
    };
    let names: Vec<String> = if first.contains('*') {
        let Ok(listing) = files.list_dir(dir) else {
            return;
        };
        listing
            .entries
            .into_iter()
            .filter(|e| glob_match(first, &e.name))
            .map(|e| e.name)
            .collect()
    } else {
        vec![(*first).to_string()]
    };
    for name in names {
        let p = path::concat(dir, &name);
        if rest.is_empty() {
            if files.kind(&p) == Some(EntryKind::File) {
                out.push(p);
            }
        } else if files.kind(&p) == Some(EntryKind::Dir) {
            expand_glob(files, &p, rest, out);
        }
    }
}

/// `*` matches any run of characters within one path component.
fn glob_match(pattern: &str, name: &str) -> bool {
    let mut pieces = pattern.split('*');
    let first = pieces.next().unwrap_or_default();
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = pieces.collect();
    for (i, piece) in pieces.iter().enumerate() {
        if i == pieces.len() - 1 {
            return rest.ends_with(piece);
        }
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

fn is_url(target: &str) -> bool {
    target.contains("://") || target.starts_with("mailto:") || target.starts_with("//")
}

/// Matches nav specs to docs files (MkDocs' `_data_to_navigation`).
pub(crate) fn resolve(
    specs: &[NavSpec],
    tree: &DocsTree,
    config_file: &str,
    warnings: &mut Vec<Warning>,
) -> Vec<NavItem> {
    specs
        .iter()
        .flat_map(|spec| match spec {
            NavSpec::Entry { title, target, line } => {
                let lookup = normalize_nav_path(target);
                match tree.get(&lookup).filter(|&i| tree.files[i].is_page) {
                    Some(file) => {
                        if tree.files[file].inclusion == Inclusion::Excluded {
                            warnings.push(Warning::new(
                                WarningKind::Nav,
                                config_file,
                                *line,
                                format!("nav entry '{target}' is excluded from the site (exclude_docs)"),
                            ));
                        }
                        vec![NavItem::Page {
                            title: title.clone(),
                            file,
                        }]
                    }
                    None => {
                        if !is_url(target) {
                            let what = if target.starts_with('/') {
                                "is an absolute path, kept as a link to an external resource"
                            } else {
                                "is not found among the documentation files; fix the path (relative to docs_dir) or create the page"
                            };
                            warnings.push(Warning::new(
                                WarningKind::Nav,
                                config_file,
                                *line,
                                format!("nav entry '{target}' {what}"),
                            ));
                        }
                        vec![NavItem::Link {
                            title: title.clone(),
                            url: target.clone(),
                        }]
                    }
                }
            }
            NavSpec::Section { title, children } => vec![NavItem::Section {
                title: title.clone(),
                children: resolve(children, tree, config_file, warnings),
            }],
            NavSpec::ImplicitUnder { prefix } => implicit(tree, Some(prefix)),
        })
        .collect()
}

fn normalize_nav_path(target: &str) -> String {
    // Python's PurePath collapses `.` and repeated slashes but keeps `..`.
    target
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// The implicit nav: pages sorted index-first and files before folders, nested by folder
/// into sections titled from the folder names (`nest_paths`).
pub(crate) fn implicit(tree: &DocsTree, prefix: Option<&str>) -> Vec<NavItem> {
    let mut pages: Vec<usize> = (0..tree.files.len())
        .filter(|&i| {
            let f = &tree.files[i];
            f.is_page
                && f.inclusion == Inclusion::Included
                && prefix.is_none_or(|p| path::is_within(&f.src_uri, p))
        })
        .collect();
    pages.sort_by(|&a, &b| {
        let key = |i: usize| {
            let f = &tree.files[i];
            let dirs: Vec<&str> = path::parent(&f.src_uri)
                .split('/')
                .filter(|s| !s.is_empty())
                .collect();
            (
                dirs,
                f.name() != "index",
                path::file_name(&f.src_uri).to_string(),
            )
        };
        key(a).cmp(&key(b))
    });
    let mut root: Vec<NavItem> = Vec::new();
    for file in pages {
        let src = &tree.files[file].src_uri;
        let within = match prefix {
            Some(p) => path::strip_dir(src, p).unwrap_or(src),
            None => src,
        };
        let dirs: Vec<&str> = path::parent(within)
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        insert_page(&mut root, &dirs, file);
    }
    root
}

/// `find_or_create_node` for each folder, then the page at the end.
fn insert_page(branch: &mut Vec<NavItem>, dirs: &[&str], file: usize) {
    let Some((first, rest)) = dirs.split_first() else {
        branch.push(NavItem::Page { title: None, file });
        return;
    };
    let title = dirname_to_title(first);
    let at = branch
        .iter()
        .position(|item| matches!(item, NavItem::Section { title: t, .. } if *t == title))
        .unwrap_or_else(|| {
            branch.push(NavItem::Section {
                title,
                children: Vec::new(),
            });
            branch.len() - 1
        });
    if let NavItem::Section { children, .. } = &mut branch[at] {
        insert_page(children, rest, file);
    }
}

/// MkDocs' `dirname_to_title` (also used for file names): `-`/`_` become spaces and an
/// all-lowercase name is capitalised.
pub(crate) fn dirname_to_title(name: &str) -> String {
    let title = name.replace(['-', '_'], " ");
    if title.to_lowercase() == title {
        capitalize(&title)
    } else {
        title
    }
}

/// Python's `str.capitalize`: first character upper-cased, the rest lower-cased.
fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

/// The pages of a nav in order (a page listed twice appears twice, as in MkDocs).
pub(crate) fn pages_in_order(items: &[NavItem], out: &mut Vec<usize>) {
    for item in items {
        match item {
            NavItem::Page { file, .. } => out.push(*file),
            NavItem::Section { children, .. } => pages_in_order(children, out),
            NavItem::Link { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_from_names_as_mkdocs() {
        assert_eq!(dirname_to_title("getting-started"), "Getting started");
        assert_eq!(dirname_to_title("API_reference"), "API reference");
        assert_eq!(dirname_to_title("faq"), "Faq");
        assert_eq!(monorepo_alias("versions/v1"), "versions/v1");
        assert_eq!(monorepo_alias("Component A"), "component-a");
        assert!(glob_match("*", "a"));
        assert!(glob_match("svc-*", "svc-api"));
        assert!(!glob_match("svc-*", "lib-api"));
    }
}
