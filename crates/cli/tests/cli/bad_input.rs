use std::os::unix::fs::{PermissionsExt, symlink};
use std::process::Command;

use crate::{Env, component, git_repo, text, write};

/// Every kind of hostile input at once: each becomes a problem with a clear message, the
/// rest of the catalog indexes, and nothing panics.
#[test]
fn hostile_repositories_become_problems_and_the_rest_indexes() {
    let env = Env::new();
    let repos = env.repos();
    env.repo("good", &[("catalog-info.yaml", &component("good", ""))]);
    env.repo(
        "broken-yaml",
        &[(
            "catalog-info.yaml",
            &format!("{}---\nkind: [oops\n", component("half-good", "")),
        )],
    );
    env.repo("latin1", &[]);
    write(
        &repos.join("latin1"),
        "catalog-info.yaml",
        b"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: caf\xe9\n"
            .as_slice(),
    );
    env.repo("huge", &[]);
    std::fs::File::create(repos.join("huge/catalog-info.yaml"))
        .expect("create")
        .set_len(50 * 1024 * 1024)
        .expect("50 MB");
    let mut bomb = String::from(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: bomb\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for (prev, next) in ["a", "b", "c", "d", "e", "f", "g"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h"])
    {
        bomb.push_str(&format!(
            "  {next}: &{next} [{}]\n",
            vec![format!("*{prev}"); 10].join(", ")
        ));
    }
    env.repo("bomb", &[("catalog-info.yaml", &bomb)]);
    env.repo(
        "deep",
        &[("catalog-info.yaml", &format!("{}x\n", "- ".repeat(10_000)))],
    );
    let outside = env.dir.path().join("outside");
    write(&outside, "secret.yaml", component("secret", ""));
    env.repo("escape", &[]);
    symlink(
        outside.join("secret.yaml"),
        repos.join("escape/catalog-info.yaml"),
    )
    .expect("symlink");
    env.repo(
        "corrupt-git",
        &[("catalog-info.yaml", &component("still-indexed", ""))],
    );
    std::fs::write(repos.join("corrupt-git/.git/HEAD"), "garbage").expect("corrupt");

    let added = env.run(&["source", "add", repos.to_str().expect("utf-8")]);
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(!text(&added.stderr).contains("panicked"));

    let names: Vec<String> = env
        .json(&["ls"])
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(names, ["good", "half-good", "still-indexed"]);

    let problems = env.json(&["problems"]);
    let found: Vec<(String, String, String)> = problems
        .as_array()
        .expect("array")
        .iter()
        .map(|p| {
            let repo = p["repo"]
                .as_str()
                .unwrap_or_default()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            (
                repo,
                p["code"].as_str().unwrap_or_default().to_owned(),
                p["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let has = |repo: &str, code: &str, words: &str| {
        assert!(
            found
                .iter()
                .any(|(r, c, m)| r == repo && c == code && m.contains(words)),
            "expected {code} in {repo} mentioning {words:?}; found {found:#?}"
        );
    };
    has("broken-yaml", "yaml-syntax", "YAML syntax error");
    has("latin1", "not-utf8", "UTF-8");
    has("huge", "file-too-large", "limit");
    has("bomb", "yaml-syntax", "alias bomb");
    has("deep", "yaml-syntax", "nested");
    has(
        "escape",
        "file-outside-repository",
        "outside the repository",
    );
    has("corrupt-git", "git-damaged", "git fsck");
    let line = problems
        .as_array()
        .expect("array")
        .iter()
        .find(|p| {
            p["code"] == "yaml-syntax"
                && p["repo"]
                    .as_str()
                    .is_some_and(|r| r.ends_with("broken-yaml"))
        })
        .expect("syntax problem");
    assert!(
        line["line"].as_u64().is_some_and(|l| l >= 12),
        "a line of the broken document: {line}"
    );
    assert_eq!(line["document"], 1);
}

/// A folder that cannot be read is reported and the rest indexes. Permissions do not stop
/// root, so when the tests run as root the command runs as `nobody`.
#[test]
fn an_unreadable_folder_is_reported() {
    let env = Env::new();
    let repos = env.repos();
    env.repo(
        "visible",
        &[("catalog-info.yaml", &component("visible", ""))],
    );
    git_repo(
        &repos.join("locked/hidden"),
        &[("catalog-info.yaml", &component("hidden", ""))],
    );
    std::fs::create_dir_all(env.data()).expect("data");
    let as_root = text(&Command::new("id").arg("-u").output().expect("id").stdout).trim() == "0";
    for dir in [env.dir.path().to_owned(), repos.clone(), env.data()] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    }
    std::fs::set_permissions(repos.join("locked"), std::fs::Permissions::from_mode(0o000))
        .expect("chmod");
    let run = |args: &[&str]| {
        let mut command = if as_root {
            let mut c = Command::new("setpriv");
            c.args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                env!("CARGO_BIN_EXE_greenroom"),
            ]);
            c
        } else {
            Command::new(env!("CARGO_BIN_EXE_greenroom"))
        };
        command
            .arg("--data-dir")
            .arg(env.data())
            .args(args)
            .env_remove("GREENROOM_DATA_DIR");
        command
            .output()
            .expect("setpriv (util-linux) runs greenroom as nobody")
    };
    let added = run(&["source", "add", repos.to_str().expect("utf-8")]);
    std::fs::set_permissions(repos.join("locked"), std::fs::Permissions::from_mode(0o755))
        .expect("chmod back");
    assert!(added.status.success(), "{}", text(&added.stderr));
    let listed = run(&["ls", "--json"]);
    let names: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("json");
    assert_eq!(names.as_array().map(Vec::len), Some(1));
    let problems = text(&run(&["problems"]).stdout);
    assert!(
        problems.contains("could not search") && problems.contains("permission denied"),
        "{problems}"
    );
}
