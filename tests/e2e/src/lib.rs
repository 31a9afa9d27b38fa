//! What the end-to-end tests and the launch benchmark share: the built app, tauri-driver
//! (which starts WebKitWebDriver) on free ports, a WebDriver session with a private home
//! and data folder, and Git repositories made with git2.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

pub mod shots;

/// The app binary: `$GREENROOM_APP`, else the debug build in the target folder.
pub fn app_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("GREENROOM_APP") {
        return PathBuf::from(path);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("debug/greenroom-app")
}

/// Fails with what to do when something the tests need is missing.
pub fn require_prerequisites(app: &Path) {
    assert!(
        app.exists(),
        "{} does not exist: build the app first with `npm --prefix ui run build && cargo build -p greenroom-app --features custom-protocol` (scripts/test does)",
        app.display()
    );
    for (tool, hint) in [
        (
            "tauri-driver",
            "cargo install tauri-driver --version 2.1.0 --locked",
        ),
        (
            "WebKitWebDriver",
            "scripts/setup.sh (Debian package webkit2gtk-driver)",
        ),
    ] {
        assert!(
            which(tool).is_some(),
            "{tool} is not installed; install it with `{hint}`"
        );
    }
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no X display: run the tests under `xvfb-run -a -s \"-screen 0 1280x800x24\"`"
    );
}

/// Where a program is on `PATH`.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain(std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin")))
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// A private place for one run of the app: its data folder and a home for WebKit's files.
pub struct Sandbox {
    dir: tempfile::TempDir,
    extra: std::cell::RefCell<Vec<(String, std::ffi::OsString)>>,
}

impl Sandbox {
    /// A new, empty sandbox.
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("a temporary folder"),
            extra: std::cell::RefCell::default(),
        }
    }

    /// Its root.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The app's data folder in it.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Sets one more variable for the app's next start (e.g. a program to play the browser).
    pub fn set_env(&self, key: &str, value: impl Into<std::ffi::OsString>) {
        self.extra.borrow_mut().push((key.to_owned(), value.into()));
    }

    /// The environment the app runs with.
    pub fn env(&self) -> Vec<(String, PathBuf)> {
        let root = self.dir.path();
        vec![
            ("GREENROOM_DATA_DIR".into(), self.data_dir()),
            ("HOME".into(), root.join("home")),
            ("XDG_DATA_HOME".into(), root.join("home/.local/share")),
            ("XDG_CONFIG_HOME".into(), root.join("home/.config")),
            ("XDG_CACHE_HOME".into(), root.join("home/.cache")),
            // WebKitWebDriver's screenshots never return from a webview whose hardware
            // acceleration is off (src-tauri/src/webview.rs) under Xvfb here; the app's
            // own switch keeps the default policy for the tests.
            ("GREENROOM_WEBVIEW_GPU".into(), PathBuf::from("1")),
        ]
    }
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::new()
    }
}

/// How many times a new WebDriver session is tried.
const SESSION_ATTEMPTS: u32 = 3;

/// tauri-driver, stopped with SIGTERM on drop so that it stops its WebKitWebDriver too
/// (SIGKILL would leave that one running, holding its port).
pub struct Driver {
    child: Child,
    port: u16,
    data_dir: PathBuf,
}

impl Driver {
    /// Starts tauri-driver with the sandbox's environment and waits for it to listen.
    pub fn start(sandbox: &Sandbox) -> Driver {
        let port = free_port();
        let native = free_port();
        let mut command = Command::new(which("tauri-driver").expect("tauri-driver on PATH"));
        command
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (key, value) in sandbox.env() {
            std::fs::create_dir_all(&value).ok();
            command.env(key, value);
        }
        command.envs(sandbox.extra.borrow().iter().cloned());
        let child = command.spawn().expect("tauri-driver starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver {
            child,
            port,
            data_dir: sandbox.data_dir(),
        }
    }

    /// Opens a session: the app starts.
    pub async fn session(&self, app: &Path) -> Client {
        self.session_with_args(app, &[]).await
    }

    /// Starts the app with command-line arguments (as a double-click on a file does).
    ///
    /// A new session is tried again when the driver drops it: right after a large build,
    /// WebKitWebDriver has been seen to close the first request before the app was up.
    pub async fn session_with_args(&self, app: &Path, args: &[String]) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app.display().to_string(), "args": args }),
        );
        let mut attempt = 1;
        loop {
            self.wait_for_previous_app_to_exit(app).await;
            match ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{}", self.port))
                .await
            {
                Ok(client) => return client,
                Err(e) if attempt < SESSION_ATTEMPTS => {
                    eprintln!(
                        "no WebDriver session with the app on attempt {attempt} ({e}); trying again"
                    );
                    attempt += 1;
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(e) => panic!("a WebDriver session with the app: {e}"),
            }
        }
    }
}

impl Driver {
    /// The app runs once per data folder: a start while the previous session's app is still
    /// exiting would hand over to it and end. Waits (a little) for it to be gone. The app is
    /// found by its data folder: once its session ends it may no longer be a child of the
    /// driver.
    async fn wait_for_previous_app_to_exit(&self, app: &Path) {
        let Some(name) = app.file_name().and_then(|n| n.to_str()) else {
            return;
        };
        // The kernel keeps the first 15 bytes of a program's name.
        let name: String = name.chars().take(15).collect();
        let marker = format!("GREENROOM_DATA_DIR={}", self.data_dir.display());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && app_running(&name, marker.as_bytes()) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Whether a live process called `name` has `marker` in its environment.
fn app_running(name: &str, marker: &[u8]) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        let dir = entry.path();
        let Ok(stat) = std::fs::read_to_string(dir.join("stat")) else {
            return false;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            return false;
        };
        let zombie = stat
            .get(close + 2..)
            .is_some_and(|rest| rest.starts_with('Z'));
        stat[open + 1..close] == *name
            && !zombie
            && std::fs::read(dir.join("environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == marker))
    })
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for an element.
pub async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("`{css}` did not appear: {e}"))
}

/// Waits until a script returns true.
pub async fn wait_until(client: &Client, what: &str, script: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let value = client
            .execute(script, vec![])
            .await
            .unwrap_or(serde_json::Value::Null);
        if value == serde_json::Value::Bool(true) {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Creates a Git repository with `files` committed on `main`.
pub fn git_repo(dir: &Path, files: &[(&str, &str)]) {
    let mut init = git2::RepositoryInitOptions::new();
    init.initial_head("main");
    let repo = git2::Repository::init_opts(dir, &init).expect("git init");
    commit_all(&repo, dir, files, "Initial commit");
}

/// Writes `files` into the repository at `dir` and commits them on top of its HEAD.
pub fn git_commit(dir: &Path, files: &[(&str, &str)]) {
    let repo = git2::Repository::open(dir).expect("the repository");
    commit_all(&repo, dir, files, "Change");
}

fn commit_all(repo: &git2::Repository, dir: &Path, files: &[(&str, &str)], message: &str) {
    for (path, text) in files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().expect("a parent folder")).expect("folders");
        std::fs::write(&full, text).expect("a fixture file");
    }
    let mut index = repo.index().expect("the index");
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .expect("git add");
    index.write().expect("index written");
    let tree = repo
        .find_tree(index.write_tree().expect("a tree"))
        .expect("the tree");
    let when = git2::Time::new(1_767_225_600, 0);
    let author = git2::Signature::new("Fixture", "fixture@example.com", &when).expect("author");
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    repo.commit(
        Some("HEAD"),
        &author,
        &author,
        message,
        &tree,
        &parent.iter().collect::<Vec<_>>(),
    )
    .expect("git commit");
}

/// Fails with what to do when there is no D-Bus session for the OS keyring.
pub fn require_keyring() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "no D-Bus session for the OS keyring: run the end-to-end tests as scripts/test does, under \
         `dbus-run-session -- crates/auth/tests/support/with-keyring.sh` (after crates/auth/tests/prepare.sh)"
    );
}

/// The proportional set size (shared pages counted once across processes) of a process,
/// in kilobytes.
pub fn pss_kb(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    text.lines()
        .find(|l| l.starts_with("Pss:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
}

/// The process and every descendant of it.
pub fn process_tree(root: u32) -> Vec<(u32, String)> {
    let mut all = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return all;
    };
    let mut parents = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The name is in parentheses and may hold spaces; the parent id follows it.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = stat[open + 1..close].to_owned();
        let ppid = stat[close + 2..]
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0);
        parents.push((pid, ppid, name));
    }
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        for (pid, ppid, name) in &parents {
            if *ppid == parent {
                all.push((*pid, name.clone()));
                frontier.push(*pid);
            }
        }
    }
    if let Some((_, _, name)) = parents.iter().find(|(pid, _, _)| *pid == root) {
        all.push((root, name.clone()));
    }
    all
}
