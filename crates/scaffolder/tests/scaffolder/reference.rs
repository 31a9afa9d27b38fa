//! The Nunjucks 3.2.4 reference renderer (tests/nunjucks/render.js), run with node.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

fn nunjucks_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/nunjucks")
}

/// Runs jobs through the reference renderer; panics with the fix when it is not installed.
pub fn run(jobs: &[Value]) -> Vec<Value> {
    let dir = nunjucks_dir();
    assert!(
        dir.join("node_modules/nunjucks/package.json").is_file(),
        "the Nunjucks reference renderer is not installed: run crates/scaffolder/tests/prepare.sh"
    );
    let mut child = Command::new("node")
        .arg(dir.join("render.js"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs (install Node.js, then run crates/scaffolder/tests/prepare.sh)");
    let input = serde_json::to_vec(jobs).expect("jobs serialise");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&input)
        .expect("jobs written");
    let output = child.wait_with_output().expect("node finishes");
    assert!(
        output.status.success(),
        "reference renderer failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("reference renderer answers JSON")
}
