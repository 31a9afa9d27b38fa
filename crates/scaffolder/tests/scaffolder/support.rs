//! Helpers shared by the integration tests: fixtures, file-tree snapshots, a recording
//! catalog, and running the reference renderer on a whole template.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use greenroom_scaffolder::{CatalogRegistrar, Progress, RunOptions, RunOutcome, Template};
use serde_json::{Value, json};

use crate::reference;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn load(name: &str) -> Template {
    Template::load(&fixture(name).join("template.yaml")).expect("fixture template loads")
}

/// One entry of a file tree, as compared between Greenroom and the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    File { bytes: Vec<u8>, executable: bool },
    Dir,
    Symlink(String),
}

/// Every file, folder and symlink under `root`, except Git internals and Greenroom's own
/// answers folder.
pub fn snapshot(root: &Path) -> BTreeMap<String, Node> {
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Node>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("readable")
        .map(|e| e.expect("entry"))
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let rel = path
            .strip_prefix(root)
            .expect("inside")
            .to_string_lossy()
            .into_owned();
        if rel == ".git" || rel.ends_with("/.git") || rel == ".greenroom" {
            continue;
        }
        let meta = fs::symlink_metadata(&path).expect("metadata");
        if meta.file_type().is_symlink() {
            out.insert(
                rel,
                Node::Symlink(
                    fs::read_link(&path)
                        .expect("link")
                        .to_string_lossy()
                        .into_owned(),
                ),
            );
        } else if meta.is_dir() {
            out.insert(rel, Node::Dir);
            walk(root, &path, out);
        } else {
            use std::os::unix::fs::PermissionsExt;
            out.insert(
                rel,
                Node::File {
                    bytes: fs::read(&path).expect("file"),
                    executable: meta.permissions().mode() & 0o111 != 0,
                },
            );
        }
    }
}

/// Asserts two trees are equal, listing every difference.
pub fn assert_same_tree(greenroom: &BTreeMap<String, Node>, reference: &BTreeMap<String, Node>) {
    let mut problems = Vec::new();
    for (path, node) in reference {
        match greenroom.get(path) {
            None => problems.push(format!("missing in Greenroom's output: {path}")),
            Some(ours) if ours != node => problems.push(match (ours, node) {
                (
                    Node::File {
                        bytes: a,
                        executable: ea,
                    },
                    Node::File {
                        bytes: b,
                        executable: eb,
                    },
                ) => format!(
                    "{path} differs (exec {ea} vs {eb})\n--- greenroom\n{}\n--- nunjucks\n{}",
                    String::from_utf8_lossy(a),
                    String::from_utf8_lossy(b)
                ),
                (a, b) => format!("{path}: {a:?} vs {b:?}"),
            }),
            Some(_) => {}
        }
    }
    for path in greenroom.keys().filter(|p| !reference.contains_key(*p)) {
        problems.push(format!("only in Greenroom's output: {path}"));
    }
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Records what the run asked the catalog to register.
#[derive(Default)]
pub struct RecordingCatalog {
    pub registered: RefCell<Vec<(PathBuf, String)>>,
}

impl CatalogRegistrar for RecordingCatalog {
    fn register(&self, file: &Path, location: &str) -> Result<Vec<String>, String> {
        assert!(
            file.is_file(),
            "the registered file exists when the catalog is asked: {}",
            file.display()
        );
        self.registered
            .borrow_mut()
            .push((file.to_path_buf(), location.to_owned()));
        Ok(vec![format!(
            "component:default/{}",
            file.parent()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        )])
    }
}

/// Runs a template with Greenroom into `target`, collecting progress events.
pub fn run_greenroom(
    template: &Template,
    values: &Value,
    target: &Path,
    options: &RunOptions,
    catalog: &RecordingCatalog,
) -> (RunOutcome, Vec<Progress>) {
    let events = RefCell::new(Vec::new());
    let sink = |e: Progress| events.borrow_mut().push(e);
    let outcome =
        greenroom_scaffolder::run(template, values, target, options, Some(catalog), &sink)
            .unwrap_or_else(|e| panic!("run fails: {e}"));
    (outcome, events.into_inner())
}

/// Runs a template with the reference renderer into `workspace`; returns its output and
/// step outputs.
pub fn run_reference(template: &Template, values: &Value, workspace: &Path) -> Value {
    let parameters = template
        .form
        .apply_defaults(values.as_object().expect("values object"));
    let job = json!({
        "kind": "run",
        "templateFile": template.file,
        "workspace": workspace,
        "parameters": parameters,
        "templateRef": format!("template:{}/{}", template.entity_ref.namespace, template.entity_ref.name),
    });
    let result = reference::run(&[job]).remove(0);
    result
        .get("ok")
        .cloned()
        .unwrap_or_else(|| panic!("reference run failed: {result}"))
}

/// Stages everything in the working tree and commits it on HEAD.
pub fn commit_all(repo: &git2::Repository, message: &str) {
    let mut index = repo.index().expect("index");
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .expect("add");
    index.update_all(["*"], None).expect("update");
    index.write().expect("write");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("tree");
    let me = git2::Signature::now("Dev", "dev@example.com").expect("signature");
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<_> = parent.iter().collect();
    repo.commit(Some("HEAD"), &me, &me, message, &tree, &parents)
        .expect("commit");
}
