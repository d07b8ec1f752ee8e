//! Shared test harness: real aws CLIs, moto and the project's stub on free loopback ports.
//!
//! Every server is started by the test that needs it and killed (by PID) when dropped.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
pub mod oracle;

pub const KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn awsx_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_awsx"))
}

/// aws CLI v1: the pip-installed script next to the Python that has awscli (not the pyenv
/// shim, which needs the real HOME). `AWSX_TEST_AWS_V1` overrides.
pub fn aws_v1() -> PathBuf {
    if let Some(p) = std::env::var_os("AWSX_TEST_AWS_V1") {
        return PathBuf::from(p);
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys,os,awscli; print(os.path.join(os.path.dirname(sys.executable),'aws'))",
        ])
        .output()
        .expect("python3 with awscli (v1) is required; run scripts/test.sh to install it");
    let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    assert!(
        p.is_file(),
        "aws v1 not found at {} ({})",
        p.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    p
}

/// aws CLI v2 from Debian. `AWSX_TEST_AWS_V2` overrides.
pub fn aws_v2() -> PathBuf {
    let p = std::env::var_os("AWSX_TEST_AWS_V2")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/usr/bin/aws".into());
    assert!(
        p.is_file(),
        "aws v2 not found at {}; run scripts/test.sh (apt-get install awscli)",
        p.display()
    );
    p
}

/// The aws CLI v2.36.7 (the newest v2: `aws: [ERROR]:` prefix, `--cli-error-format`,
/// `aws login`) that scripts/test.sh installs from the offline bundle into a venv under
/// `target/`. `AWSX_TEST_AWS_V2_LATEST` overrides.
pub const AWS_V2_LATEST_VERSION: &str = "2.36.7";

pub fn aws_v2_latest() -> PathBuf {
    let p = std::env::var_os("AWSX_TEST_AWS_V2_LATEST")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            root()
                .join("target")
                .join(format!("awscli-v{AWS_V2_LATEST_VERSION}"))
                .join("bin/aws")
        });
    assert!(
        p.is_file(),
        "aws v{AWS_V2_LATEST_VERSION} not found at {}; run scripts/test.sh (it installs it from ../shared/vendor/awscli-v2)",
        p.display()
    );
    p
}

/// Every aws CLI the end-to-end tests run: v1, Debian's v2 (2.9) and the newest v2.
/// Names: "v1", "v2", "v2.36"; `name != "v1"` means "a v2".
pub fn both_clis() -> Vec<(&'static str, PathBuf)> {
    vec![
        ("v1", aws_v1()),
        ("v2", aws_v2()),
        ("v2.36", aws_v2_latest()),
    ]
}

/// True for the v2 CLIs (exit codes 252/253/254, `aws sso`, `aws configure list-profiles`).
pub fn is_v2(name: &str) -> bool {
    name.starts_with("v2")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, child: &mut Child, what: &str) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited early: {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on {port}");
}

pub struct Server {
    pub child: Child,
    pub port: u16,
    pub url: String,
    pub log: Option<PathBuf>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// The stub's request log: one JSON object per AWS request.
    pub fn requests(&self) -> Vec<serde_json::Value> {
        let Some(log) = &self.log else { return vec![] };
        std::fs::read_to_string(log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Replaces the stub's scenario at runtime.
    pub fn set_scenario(&self, scenario: &serde_json::Value) {
        post(
            &format!("{}/_stub/scenario", self.url),
            "application/json",
            &scenario.to_string(),
        );
    }
}

/// A minimal HTTP POST over std (no client crate for tests).
pub fn post(url: &str, content_type: &str, body: &str) -> String {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    let mut s = TcpStream::connect(host).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(
        out.starts_with("HTTP/1.1 200") || out.starts_with("HTTP/1.0 200"),
        "POST {url} failed: {out}"
    );
    out
}

/// moto's server on a free port (IAM enforcement off until `enforce`).
pub fn moto() -> Server {
    let port = free_port();
    let exe = which_in_path("moto_server").expect("moto_server not on PATH: run scripts/test.sh");
    let mut child = Command::new(exe)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto_server");
    wait_for_port(port, &mut child, "moto_server");
    Server {
        child,
        port,
        url: format!("http://127.0.0.1:{port}"),
        log: None,
        _dir: None,
    }
}

/// Turns moto's IAM enforcement on (every request is checked from now on).
pub fn enforce(moto: &Server) {
    post(
        &format!("{}/moto-api/reset-auth", moto.url),
        "text/plain",
        "0",
    );
}

/// The project's AWS-protocol stub with a scenario, logging requests.
pub fn stub(scenario: Option<&serde_json::Value>) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("requests.jsonl");
    let mut cmd = Command::new("python3");
    cmd.arg(root().join("tests/stub/awsstub.py"))
        .args(["--port", "0", "--log"])
        .arg(&log);
    if let Some(s) = scenario {
        let f = dir.path().join("scenario.json");
        std::fs::write(&f, s.to_string()).unwrap();
        cmd.arg("--scenario").arg(&f);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start awsstub.py");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .trim()
        .strip_prefix("PORT ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("stub said {line:?}"));
    Server {
        child,
        port,
        url: format!("http://127.0.0.1:{port}"),
        log: Some(log),
        _dir: Some(dir),
    }
}

pub fn which_in_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// A clean environment: an empty HOME (no ~/.aws), fake credentials, no IMDS, this PATH.
pub fn clean_env(cmd: &mut Command, home: &Path) {
    cmd.env_clear();
    for keep in [
        "PATH",
        "LANG",
        "LC_ALL",
        "TERM",
        "PYENV_ROOT",
        "PYENV_VERSION",
    ] {
        if let Some(v) = std::env::var_os(keep) {
            cmd.env(keep, v);
        }
    }
    cmd.env("HOME", home)
        .env("AWS_ACCESS_KEY_ID", KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("AWS_PAGER", "");
}

/// `awsx <args>` running `aws` = `cli`, in a clean environment.
pub fn awsx(cli: &Path, home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(awsx_bin());
    clean_env(&mut cmd, home);
    cmd.env("AWSX_AWS_CLI", cli).args(args);
    cmd
}

/// The same command line straight to aws.
pub fn aws(cli: &Path, home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(cli);
    clean_env(&mut cmd, home);
    cmd.args(args);
    cmd
}

pub fn run(mut cmd: impl std::borrow::BorrowMut<Command>) -> Output {
    cmd.borrow_mut()
        .stdin(Stdio::null())
        .output()
        .expect("run command")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// What awsx appended after aws's own stderr bytes.
pub fn appended<'a>(awsx_stderr: &'a [u8], aws_stderr: &[u8]) -> &'a [u8] {
    assert!(
        awsx_stderr.starts_with(aws_stderr),
        "awsx's stderr does not start with aws's bytes:\naws:  {:?}\nawsx: {:?}",
        text(aws_stderr),
        text(awsx_stderr)
    );
    &awsx_stderr[aws_stderr.len()..]
}

/// A report with its wrapping undone (every run of whitespace, newlines included, one
/// space), for asserting a phrase that the 80-column wrap may split.
#[allow(dead_code)]
pub fn flat(report: &str) -> String {
    report.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The headline of a text report, its wrapped lines joined (it ends with the `[category]`
/// tag), whitespace collapsed as by [`flat`].
#[allow(dead_code)]
pub fn headline(report: &str) -> String {
    let mut lines = report.lines().skip_while(|l| !l.starts_with("awsx: "));
    let mut head = Vec::new();
    for l in lines.by_ref() {
        head.push(l);
        let last = l.split_whitespace().last().unwrap_or("");
        if last.starts_with('[') && last.ends_with(']') {
            break;
        }
    }
    flat(&head.join(" "))
}
