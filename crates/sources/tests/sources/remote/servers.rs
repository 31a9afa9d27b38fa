//! Real Git servers on 127.0.0.1 for the remote tests: `git daemon` for git://, and
//! `git http-backend` run as CGI behind a small hyper server ([`HttpServer`], which other
//! fakes share) with basic authentication for smart HTTP. A TCP relay in front of a server can cut or stall the connection part-way
//! through a transfer, as a server that dies or hangs would.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Where git keeps its programs (`git-daemon`, `git-http-backend`).
fn exec_path() -> PathBuf {
    Command::new("git")
        .args(["--exec-path"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .unwrap_or_default()
}

/// Fails with what to run when a server program is missing.
pub(crate) fn require_git() {
    let dir = exec_path();
    let ok = dir.join("git-daemon").exists() && dir.join("git-http-backend").exists();
    assert!(
        ok,
        "the remote tests need git with `git daemon` and `git http-backend`; run crates/sources/tests/prepare.sh"
    );
}

/// A free port on 127.0.0.1 (the listener is closed, so a server can bind it).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn wait_for(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the server on port {port} did not start");
}

/// `git daemon` serving every repository under a folder.
pub(crate) struct GitDaemon {
    pub port: u16,
    child: Option<Child>,
    base: PathBuf,
}

impl GitDaemon {
    pub(crate) fn start(base: &Path) -> GitDaemon {
        require_git();
        let mut daemon = GitDaemon {
            port: 0,
            child: None,
            base: base.to_owned(),
        };
        daemon.restart();
        daemon
    }

    /// Starts it again (on a new port if the old one was taken meanwhile).
    pub(crate) fn restart(&mut self) {
        for _ in 0..5 {
            let port = if self.port == 0 {
                free_port()
            } else {
                self.port
            };
            // The daemon program itself: `git daemon` would run it as a child that killing
            // `git` leaves behind.
            let child = Command::new(exec_path().join("git-daemon"))
                .arg("--reuseaddr")
                .arg("--export-all")
                .arg("--informative-errors")
                .arg("--listen=127.0.0.1")
                .arg(format!("--port={port}"))
                .arg(format!("--base-path={}", self.base.display()))
                .arg(&self.base)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start git daemon");
            self.child = Some(child);
            self.port = port;
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return;
                }
                if let Some(Ok(Some(_))) = self.child.as_mut().map(Child::try_wait) {
                    break; // The port was taken: try another.
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            self.stop();
            self.port = 0;
        }
        panic!("git daemon did not start");
    }

    pub(crate) fn url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{name}", self.port)
    }

    /// Stops the server, as when the network goes away.
    pub(crate) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Smart HTTP: `git http-backend` as CGI behind hyper, with basic authentication.
pub(crate) struct HttpGit {
    pub port: u16,
    _server: HttpServer,
    /// Requests that arrived without credentials or with wrong ones.
    pub rejected: Arc<AtomicUsize>,
}

impl HttpGit {
    /// Serves the repositories under `root`; every request must carry `user`:`password`.
    pub(crate) fn start(root: &Path, user: &str, password: &str) -> HttpGit {
        use base64::Engine;
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        );
        HttpGit::start_checked(root, Arc::new(move |header: &str| header == expected))
    }

    /// Serves the repositories under `root` to requests whose `Authorization` header `check`
    /// accepts (it runs on a blocking thread, so it may ask another server).
    pub(crate) fn start_checked(root: &Path, check: AuthCheck) -> HttpGit {
        require_git();
        let rejected = Arc::new(AtomicUsize::new(0));
        let state = Arc::new(Cgi {
            root: root.to_owned(),
            check,
            rejected: rejected.clone(),
        });
        let server = HttpServer::start(move |request| {
            let state = state.clone();
            async move { handle(&state, request).await }
        });
        HttpGit {
            port: server.port,
            _server: server,
            rejected,
        }
    }

    pub(crate) fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{name}", self.port)
    }

    pub(crate) fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

/// A hyper HTTP/1 server on 127.0.0.1, on a runtime of its own, answering every request
/// with `handle` until it is dropped.
pub(crate) struct HttpServer {
    pub port: u16,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HttpServer {
    pub(crate) fn start<H, F>(handle: H) -> HttpServer
    where
        H: Fn(hyper::Request<hyper::body::Incoming>) -> F + Send + Sync + 'static,
        F: std::future::Future<Output = hyper::Response<Body>> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let handle = Arc::new(handle);
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(serve(listener, handle, stop));
        });
        wait_for(port);
        HttpServer {
            port,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Whether an `Authorization` header value is accepted.
pub(crate) type AuthCheck = Arc<dyn Fn(&str) -> bool + Send + Sync>;

struct Cgi {
    root: PathBuf,
    check: AuthCheck,
    rejected: Arc<AtomicUsize>,
}

async fn serve<H, F>(
    listener: TcpListener,
    handle: Arc<H>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) where
    H: Fn(hyper::Request<hyper::body::Incoming>) -> F + Send + Sync + 'static,
    F: std::future::Future<Output = hyper::Response<Body>> + Send + 'static,
{
    let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
    loop {
        tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let handle = handle.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let answer = handle(request);
                        async move { Ok::<_, std::convert::Infallible>(answer.await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
}

pub(crate) type Body = http_body_util::Full<hyper::body::Bytes>;

async fn handle(
    state: &Cgi,
    request: hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<Body> {
    use http_body_util::BodyExt;
    let header = request
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let check = state.check.clone();
    let authorised = match header {
        Some(header) => tokio::task::spawn_blocking(move || check(&header))
            .await
            .unwrap_or(false),
        None => false,
    };
    if !authorised {
        state.rejected.fetch_add(1, Ordering::Relaxed);
        return hyper::Response::builder()
            .status(401)
            .header("WWW-Authenticate", "Basic realm=\"git\"")
            .body(Body::from("authentication required"))
            .expect("response");
    }
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or("").to_owned();
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let content_type = header("content-type");
    let encoding = header("content-encoding");
    let protocol = header("git-protocol");
    let body = match request.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return status(400),
    };
    let root = state.root.clone();
    let output = tokio::task::spawn_blocking(move || {
        let mut child = Command::new("git")
            .arg("http-backend")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("GIT_PROJECT_ROOT", &root)
            .env("GIT_HTTP_EXPORT_ALL", "1")
            .env("REQUEST_METHOD", method)
            .env("PATH_INFO", path)
            .env("QUERY_STRING", query)
            .env("CONTENT_TYPE", content_type)
            .env("CONTENT_LENGTH", body.len().to_string())
            .env("HTTP_CONTENT_ENCODING", encoding)
            .env("GIT_PROTOCOL", protocol)
            .env("REMOTE_USER", "tester")
            .env("REMOTE_ADDR", "127.0.0.1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(&body)?;
        }
        child.wait_with_output()
    })
    .await;
    let Ok(Ok(output)) = output else {
        return status(500);
    };
    cgi_response(&output.stdout)
}

/// Turns CGI output (headers, a blank line, the body) into a response.
fn cgi_response(output: &[u8]) -> hyper::Response<Body> {
    let split = output
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| output.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)));
    let Some((at, gap)) = split else {
        return status(502);
    };
    let head = String::from_utf8_lossy(&output[..at]);
    let mut response = hyper::Response::builder().status(200);
    for line in head.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("status") {
            let code = value
                .split_whitespace()
                .next()
                .and_then(|c| c.parse().ok())
                .unwrap_or(500);
            response = response.status(code);
        } else {
            response = response.header(name.trim(), value);
        }
    }
    response
        .body(Body::from(output[at + gap..].to_vec()))
        .unwrap_or_else(|_| status(502))
}

fn status(code: u16) -> hyper::Response<Body> {
    hyper::Response::builder()
        .status(code)
        .body(Body::default())
        .expect("response")
}

/// What a relay does with the server's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Relay {
    /// Forward everything.
    Pass,
    /// Forward this many bytes of the server's answer, then close both sides.
    CutAfter(usize),
    /// Forward this many bytes, then stop forwarding but keep the connection open.
    StallAfter(usize),
}

/// A TCP relay in front of a server, whose behaviour can be changed between fetches.
pub(crate) struct FaultyRelay {
    pub port: u16,
    mode: Arc<Mutex<Relay>>,
}

impl FaultyRelay {
    pub(crate) fn start(target: u16) -> FaultyRelay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let mode = Arc::new(Mutex::new(Relay::Pass));
        let shared = mode.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let mode = *shared.lock().expect("mode");
                relay(client, server, mode);
            }
        });
        FaultyRelay { port, mode }
    }

    pub(crate) fn set(&self, mode: Relay) {
        *self.mode.lock().expect("mode") = mode;
    }
}

fn relay(client: TcpStream, server: TcpStream, mode: Relay) {
    let (Ok(mut client_in), Ok(mut server_out)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_in, &mut server_out);
        let _ = server_out.shutdown(Shutdown::Write);
    });
    std::thread::spawn(move || {
        let (mut server, mut client) = (server, client);
        let limit = match mode {
            Relay::Pass => usize::MAX,
            Relay::CutAfter(n) | Relay::StallAfter(n) => n,
        };
        let mut sent = 0;
        let mut buffer = [0u8; 16 * 1024];
        while sent < limit {
            let Ok(n) = server.read(&mut buffer) else {
                break;
            };
            if n == 0 {
                break;
            }
            let n = n.min(limit - sent);
            if client.write_all(&buffer[..n]).is_err() {
                break;
            }
            sent += n;
        }
        match mode {
            Relay::StallAfter(_) if sent >= limit => {
                // Hold the connection open without sending anything, as a hung server does.
                std::thread::sleep(Duration::from_secs(60));
            }
            _ => {}
        }
        let _ = client.shutdown(Shutdown::Both);
        let _ = server.shutdown(Shutdown::Both);
    });
}

/// OpenSSH's `sshd` on 127.0.0.1 with a throwaway host key, accepting one client key for
/// the current user; Git runs through it as `git-upload-pack`.
pub(crate) struct SshServer {
    pub port: u16,
    child: Child,
    /// The client's private key (no passphrase).
    pub client_key: PathBuf,
    /// A `known_hosts` file with this server's host key.
    pub known_hosts: PathBuf,
    user: String,
}

impl SshServer {
    pub(crate) fn start(dir: &Path) -> SshServer {
        let sshd = Path::new("/usr/sbin/sshd");
        let keygen = |path: &Path| {
            let status = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(path)
                .status();
            assert!(
                status.is_ok_and(|s| s.success()),
                "ssh-keygen failed; run crates/sources/tests/prepare.sh"
            );
        };
        assert!(
            sshd.exists(),
            "the SSH test needs OpenSSH's sshd; run crates/sources/tests/prepare.sh"
        );
        std::fs::create_dir_all(dir).expect("mkdir");
        let host_key = dir.join("host_key");
        let client_key = dir.join("client_key");
        keygen(&host_key);
        keygen(&client_key);
        std::fs::copy(dir.join("client_key.pub"), dir.join("authorized_keys")).expect("keys");
        // sshd run by root wants its privilege separation folder.
        let _ = std::fs::create_dir_all("/run/sshd");
        let user = std::env::var("USER")
            .ok()
            .filter(|u| !u.is_empty())
            .or_else(|| {
                Command::new("id")
                    .arg("-un")
                    .output()
                    .ok()
                    .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            })
            .unwrap_or_else(|| "root".to_owned());
        for _ in 0..5 {
            let port = free_port();
            let config = dir.join("sshd_config");
            std::fs::write(
                &config,
                format!(
                    "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}\nAuthorizedKeysFile {}\n\
                     PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
                     StrictModes no\nPermitRootLogin prohibit-password\nUsePAM no\n",
                    host_key.display(),
                    dir.join("sshd.pid").display(),
                    dir.join("authorized_keys").display()
                ),
            )
            .expect("config");
            let mut child = Command::new(sshd)
                .args(["-D", "-e", "-f"])
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start sshd");
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    let public =
                        std::fs::read_to_string(dir.join("host_key.pub")).expect("host key");
                    let mut parts = public.split_whitespace();
                    let (kind, key) = (parts.next().expect("type"), parts.next().expect("key"));
                    let known_hosts = dir.join("known_hosts");
                    std::fs::write(&known_hosts, format!("[127.0.0.1]:{port} {kind} {key}\n"))
                        .expect("known hosts");
                    return SshServer {
                        port,
                        child,
                        client_key,
                        known_hosts,
                        user,
                    };
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!(
            "sshd did not start; run crates/sources/tests/prepare.sh and check that sshd -t accepts the config"
        );
    }

    /// The `ssh://` address of the repository at an absolute path.
    pub(crate) fn url(&self, repo: &Path) -> String {
        format!(
            "ssh://{}@127.0.0.1:{}{}",
            self.user,
            self.port,
            repo.display()
        )
    }
}

impl Drop for SshServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
