//! `mkdocs.yml`: the fields a renderer needs, read as MkDocs (and TechDocs) read them.

use greenroom_yaml::{Limits, Node, Value};

use crate::path;
use crate::report::{Warning, WarningKind};

/// The settings of one MkDocs site that change what gets rendered.
#[derive(Debug, Clone)]
pub struct MkdocsConfig {
    /// Repository-relative path of the `mkdocs.yml` read, or `None` when synthesised.
    pub config_file: Option<String>,
    /// `site_name`.
    pub site_name: String,
    /// `site_description`.
    pub site_description: Option<String>,
    /// The docs folder, repository-relative and normalised.
    pub docs_dir: String,
    /// `nav`, as written (resolved later against the docs files).
    pub nav: Option<Node>,
    /// `use_directory_urls` (default true).
    pub use_directory_urls: bool,
    /// `repo_url`.
    pub repo_url: Option<String>,
    /// `edit_uri`.
    pub edit_uri: Option<String>,
    /// `edit_uri_template`.
    pub edit_uri_template: Option<String>,
    /// `exclude_docs` patterns (gitignore style), one per line.
    pub exclude_docs: Vec<String>,
    /// `not_in_nav` patterns (gitignore style), one per line.
    pub not_in_nav: Vec<String>,
    /// Markdown options derived from `markdown_extensions`.
    pub markdown: MarkdownSettings,
}

/// Markdown behaviour a site can change through `markdown_extensions`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MarkdownSettings {
    /// Fence names rendered as `<pre class="mermaid">` for the viewer to draw
    /// (superfences `custom_fences`; `mermaid` is always one, as the app bundles mermaid).
    pub diagram_fences: Vec<String>,
    /// Heading ids keep Unicode letters (`toc.slugify_unicode`, `pymdownx.slugs`).
    pub unicode_slugs: bool,
    /// The `toc` separator (default `-`).
    pub slug_separator: char,
    /// The permalink symbol after headings (`toc: permalink`; techdocs-core sets `¶`).
    pub permalink: Option<String>,
}

impl Default for MarkdownSettings {
    fn default() -> Self {
        MarkdownSettings {
            diagram_fences: vec!["mermaid".to_string()],
            unicode_slugs: false,
            slug_separator: '-',
            permalink: Some("¶".to_string()),
        }
    }
}

/// Why a `mkdocs.yml` cannot be used at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The YAML does not parse.
    #[error("{file}:{line}:{column}: invalid YAML: {message}; fix the syntax of mkdocs.yml")]
    Yaml {
        /// The config file.
        file: String,
        /// Line, from 1.
        line: u32,
        /// Column, from 1.
        column: u32,
        /// The parser's message.
        message: String,
    },
    /// The top level is not a mapping.
    #[error("{0}: mkdocs.yml must be a mapping of settings (site_name: ..., nav: ...)")]
    NotAMapping(String),
    /// `docs_dir` is absolute or leaves the folder of mkdocs.yml.
    #[error(
        "{file}:{line}: docs_dir '{docs_dir}' must be a folder inside the one holding mkdocs.yml (TechDocs refuses absolute paths and '..')"
    )]
    DocsDirEscapes {
        /// The config file.
        file: String,
        /// Line of the setting.
        line: u32,
        /// The value.
        docs_dir: String,
    },
}

/// Plugins that Greenroom honours (or that change nothing it renders).
const KNOWN_PLUGINS: &[&str] = &[
    "techdocs-core",
    "search",
    "monorepo",
    "gh-admonitions",
    "redirects",
    "offline",
    "tags",
];

impl MkdocsConfig {
    /// The configuration used when a repository has a `docs/` folder but no `mkdocs.yml`:
    /// what TechDocs would need the author to write (site_name, implicit nav).
    pub fn synthesized(site_name: &str, base_dir: &str) -> Self {
        MkdocsConfig {
            config_file: None,
            site_name: site_name.to_string(),
            site_description: None,
            docs_dir: path::concat(base_dir, "docs"),
            nav: None,
            use_directory_urls: true,
            repo_url: None,
            edit_uri: None,
            edit_uri_template: None,
            exclude_docs: Vec::new(),
            not_in_nav: Vec::new(),
            markdown: MarkdownSettings::default(),
        }
    }

    /// The folder holding `mkdocs.yml` (snippets and `!include` paths start there).
    pub fn base_dir(&self) -> &str {
        match &self.config_file {
            Some(file) => path::parent(file),
            None => path::parent(&self.docs_dir),
        }
    }

    /// Parses `text`, the content of the repository file `file`.
    pub fn parse(
        file: &str,
        text: &str,
        warnings: &mut Vec<Warning>,
    ) -> Result<MkdocsConfig, ConfigError> {
        let root = greenroom_yaml::parse_single(text, &Limits::default()).map_err(|e| {
            ConfigError::Yaml {
                file: file.to_string(),
                line: e.mark.line,
                column: e.mark.column,
                message: e.message.clone(),
            }
        })?;
        if root.as_map().is_none() {
            return Err(ConfigError::NotAMapping(file.to_string()));
        }
        let base = path::parent(file);
        let mut warn = |node: &Node, message: String| {
            warnings.push(Warning::new(
                WarningKind::Config,
                file,
                node.mark.line,
                message,
            ));
        };

        let site_name = match root.get("site_name").and_then(scalar_string) {
            Some(name) if !name.trim().is_empty() => name,
            _ => {
                warn(
                    &root,
                    "site_name is missing: MkDocs refuses to build without it; add `site_name: <title>`"
                        .into(),
                );
                path::file_name(base).to_string()
            }
        };
        let docs_dir_node = root.get("docs_dir");
        let docs_dir_value = docs_dir_node
            .and_then(scalar_string)
            .unwrap_or_else(|| "docs".to_string());
        let docs_dir = match path::join(base, &docs_dir_value) {
            Ok(dir) if path::is_within(&dir, base) && dir != base => dir,
            _ => {
                return Err(ConfigError::DocsDirEscapes {
                    file: file.to_string(),
                    line: docs_dir_node.map_or(1, |n| n.mark.line),
                    docs_dir: docs_dir_value,
                });
            }
        };

        let nav = root.get("nav").filter(|n| !n.is_null()).cloned();
        if let Some(n) = &nav
            && n.as_seq().is_none()
        {
            warn(
                n,
                format!(
                    "nav must be a list, found {}; using the implicit navigation",
                    n.value.type_name()
                ),
            );
        }
        let nav = nav.filter(|n| n.as_seq().is_some());

        let use_directory_urls = match root.get("use_directory_urls") {
            None => true,
            Some(node) => match yaml11_bool(node) {
                Some(b) => b,
                None => {
                    warn(
                        node,
                        "use_directory_urls must be true or false; using true".into(),
                    );
                    true
                }
            },
        };

        if let Some(inherit) = root.get("INHERIT") {
            warn(
                inherit,
                "INHERIT is not supported; only this file's settings are used".into(),
            );
        }
        if let Some(hooks) = root.get("hooks") {
            warn(hooks, "hooks are Python code and are not run".into());
        }
        if let Some(plugins) = root.get("plugins") {
            for (name, node) in plugin_names(plugins) {
                if !KNOWN_PLUGINS.contains(&name.as_str()) {
                    warn(
                        node,
                        format!("plugin '{name}' is not supported and is ignored"),
                    );
                }
            }
        }

        Ok(MkdocsConfig {
            config_file: Some(file.to_string()),
            site_name,
            site_description: root.get("site_description").and_then(scalar_string),
            docs_dir,
            nav,
            use_directory_urls,
            repo_url: root.get("repo_url").and_then(scalar_string),
            edit_uri: root.get("edit_uri").and_then(scalar_string),
            edit_uri_template: root.get("edit_uri_template").and_then(scalar_string),
            exclude_docs: patterns(root.get("exclude_docs")),
            not_in_nav: patterns(root.get("not_in_nav")),
            markdown: markdown_settings(root.get("markdown_extensions")),
        })
    }

    /// The "edit this page" URL for a docs file (`src_uri` relative to docs_dir), as MkDocs
    /// builds it from `repo_url`, `edit_uri` and `edit_uri_template`.
    pub fn edit_url(&self, src_uri: &str) -> Option<String> {
        let edit_uri = if let Some(template) = &self.edit_uri_template {
            let noext = src_uri.rsplit_once('.').map_or(src_uri, |(stem, _)| stem);
            template
                .replace("{path}", src_uri)
                .replace("{path_noext}", noext)
        } else if let Some(edit_uri) = &self.edit_uri {
            if edit_uri.is_empty() {
                return None;
            }
            format!("{edit_uri}{src_uri}")
        } else {
            // MkDocs defaults edit_uri for GitHub and GitLab repo_urls.
            let repo = self.repo_url.as_deref()?;
            if repo.contains("github.com") {
                format!("edit/master/{}/{src_uri}", path::file_name(&self.docs_dir))
            } else if repo.contains("gitlab.com") {
                format!(
                    "-/edit/master/{}/{src_uri}",
                    path::file_name(&self.docs_dir)
                )
            } else {
                return None;
            }
        };
        match &self.repo_url {
            Some(repo) if edit_uri.starts_with(['?', '#']) => Some(format!("{repo}{edit_uri}")),
            Some(repo) if !edit_uri.contains("://") => Some(format!(
                "{}/{}",
                repo.trim_end_matches('/'),
                edit_uri.trim_start_matches('/')
            )),
            _ => Some(edit_uri),
        }
    }
}

/// A scalar as a string, honouring `!ENV [VAR, default]` by taking the default (the
/// environment of the person viewing docs is not the one of the author's build).
pub(crate) fn scalar_string(node: &Node) -> Option<String> {
    if node.tag.as_deref() == Some("!ENV") {
        return match &node.value {
            Value::Seq(items) if items.len() > 1 => items.last().and_then(scalar_string),
            _ => None,
        };
    }
    match &node.value {
        Value::String(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Bool(b) => Some(if *b { "True" } else { "False" }.to_string()),
        _ => None,
    }
}

/// A boolean as PyYAML (YAML 1.1) reads it: `yes`/`no`/`on`/`off` count.
fn yaml11_bool(node: &Node) -> Option<bool> {
    match &node.value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "yes" | "on" | "y" => Some(true),
            "no" | "off" | "n" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn patterns(node: Option<&Node>) -> Vec<String> {
    node.and_then(scalar_string)
        .map(|text| {
            text.lines()
                .map(str::trim_end)
                .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Names of a `plugins:` list or mapping with the node naming each.
fn plugin_names(node: &Node) -> Vec<(String, &Node)> {
    match &node.value {
        Value::Seq(items) => items
            .iter()
            .filter_map(|item| match &item.value {
                Value::String(s) => Some((s.clone(), item)),
                Value::Map(entries) => entries.first().map(|(k, _)| (k.key_string(), k)),
                _ => None,
            })
            .collect(),
        Value::Map(entries) => entries.iter().map(|(k, _)| (k.key_string(), k)).collect(),
        _ => Vec::new(),
    }
}

/// Reads the `markdown_extensions` options that change ids or diagram handling.
fn markdown_settings(node: Option<&Node>) -> MarkdownSettings {
    let mut settings = MarkdownSettings::default();
    let Some(items) = node.and_then(Node::as_seq) else {
        return settings;
    };
    for item in items {
        let Some((name, config)) = item.as_map().and_then(|m| m.first()) else {
            continue;
        };
        match name.as_str() {
            Some("toc") => {
                if let Some(slugify) = config.get("slugify") {
                    let tag = slugify.tag.as_deref().unwrap_or_default();
                    settings.unicode_slugs =
                        tag.contains("slugify_unicode") || tag.contains("pymdownx.slugs");
                }
                if let Some(sep) = config.get("separator").and_then(scalar_string)
                    && let Some(c) = sep.chars().next()
                {
                    settings.slug_separator = c;
                }
                if let Some(permalink) = config.get("permalink") {
                    // techdocs-core forces `permalink: true` after user settings are read,
                    // but a custom symbol given by the user survives the merge.
                    if let Some(symbol) = permalink.as_str() {
                        settings.permalink = Some(symbol.to_string());
                    }
                }
            }
            Some("pymdownx.superfences") => {
                for fence in config
                    .get("custom_fences")
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                {
                    let class = fence
                        .get("class")
                        .and_then(Node::as_str)
                        .unwrap_or_default();
                    if let Some(name) = fence.get("name").and_then(Node::as_str)
                        && class.contains("mermaid")
                        && !settings.diagram_fences.iter().any(|f| f == name)
                    {
                        settings.diagram_fences.push(name.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    settings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Result<MkdocsConfig, ConfigError>, Vec<Warning>) {
        let mut warnings = Vec::new();
        (
            MkdocsConfig::parse("svc/mkdocs.yml", text, &mut warnings),
            warnings,
        )
    }

    #[test]
    fn reads_the_fields_with_mkdocs_defaults() {
        let (config, warnings) = parse(
            "site_name: Svc\nnav:\n  - Home: index.md\nmarkdown_extensions:\n  - toc:\n      slugify: !!python/object/apply:pymdownx.slugs.slugify {kwds: {case: lower}}\n  - pymdownx.superfences:\n      custom_fences:\n        - name: diagram\n          class: mermaid\n          format: !!python/name:pymdownx.superfences.fence_code_format\n",
        );
        let config = config.unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(config.docs_dir, "svc/docs");
        assert!(config.use_directory_urls);
        assert!(config.markdown.unicode_slugs);
        assert_eq!(config.markdown.diagram_fences, ["mermaid", "diagram"]);
        assert_eq!(config.base_dir(), "svc");
    }

    #[test]
    fn refuses_docs_dir_escapes_and_reports_yaml_errors_with_position() {
        let (config, _) = parse("site_name: x\ndocs_dir: ../../etc\n");
        assert!(matches!(
            config,
            Err(ConfigError::DocsDirEscapes { line: 2, .. })
        ));
        let (config, _) = parse("site_name: x\ndocs_dir: /etc\n");
        assert!(matches!(config, Err(ConfigError::DocsDirEscapes { .. })));
        let (config, _) = parse("site_name: [unclosed\n");
        let err = config.unwrap_err();
        assert!(matches!(err, ConfigError::Yaml { .. }));
        assert!(err.to_string().starts_with("svc/mkdocs.yml:"));
        let (config, warnings) = parse("nav: []\nuse_directory_urls: no\n");
        let config = config.unwrap();
        assert_eq!(config.site_name, "svc");
        assert!(!config.use_directory_urls);
        assert!(warnings[0].message.contains("site_name"));
    }

    #[test]
    fn builds_edit_urls_as_mkdocs() {
        let (config, _) = parse(
            "site_name: x\nrepo_url: https://github.com/o/r\nedit_uri: edit/main/svc/docs/\n",
        );
        assert_eq!(
            config.unwrap().edit_url("a/b.md").unwrap(),
            "https://github.com/o/r/edit/main/svc/docs/a/b.md"
        );
    }
}
