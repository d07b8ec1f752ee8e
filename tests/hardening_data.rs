//! Issue 16, data hardening: where look-ups go (2), the report file (3), the tee's cost on
//! hostile stderr (4), explain's input (6), secrets in the report (8), invisible code points
//! (14), AWSX_TIMEOUT (15). Real awsx processes; real aws v2 against a loopback server
//! written here where an endpoint is needed.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;

const DENIED: &str = "\nAn error occurred (AccessDenied) when calling the GetObject operation: User: arn:aws:iam::123456789012:user/alice is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::hardening-bucket/k\" because no identity-based policy allows the s3:GetObject action\n";

/// A fake aws: a sh script that writes `stderr` (a file next to it) and exits `code`.
fn fake_aws(dir: &Path, stderr: &str, code: i32) -> PathBuf {
    let text = dir.join("stderr.txt");
    std::fs::write(&text, stderr).unwrap();
    let script = dir.join("aws");
    std::fs::write(
        &script,
        format!("#!/bin/sh\ncat '{}' >&2\nexit {code}\n", text.display()),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

/// Runs `cmd` with a deadline (its output read as it comes); kills it (by PID) and panics if
/// it does not finish.
fn run_within(mut cmd: Command, limit: Duration) -> std::process::Output {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
            panic!("did not finish within {limit:?}");
        }
    }
}

// 3. The report file ------------------------------------------------------------------

fn wrap_with_report_file(dir: &Path, path: &Path) -> std::process::Output {
    let aws = fake_aws(dir, DENIED, 254);
    let mut cmd = awsx(
        &aws,
        dir,
        &["s3api", "get-object", "--bucket", "b", "--key", "k", "o"],
    );
    cmd.env("AWSX_DIAGNOSE", "offline")
        .env("AWSX_REPORT_FILE", path);
    run_within(cmd, Duration::from_secs(20))
}

#[test]
fn report_file_is_never_written_through_a_link() {
    let d = tempfile::tempdir().unwrap();
    let target = d.path().join("precious");
    std::fs::write(&target, "keep me\n").unwrap();
    let link = d.path().join("report.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = wrap_with_report_file(d.path(), &link);
    assert_eq!(out.status.code(), Some(254));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let err = text(&out.stderr);
    let notes: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("AWSX_REPORT_FILE"))
        .collect();
    assert_eq!(notes.len(), 1, "{err}");
    assert!(notes[0].contains("symbolic link"), "{err}");

    // A dangling link: nothing is created at its target.
    let nowhere = d.path().join("nowhere");
    let dangling = d.path().join("dangling.json");
    std::os::unix::fs::symlink(&nowhere, &dangling).unwrap();
    let out = wrap_with_report_file(d.path(), &dangling);
    assert_eq!(out.status.code(), Some(254));
    assert!(!nowhere.exists());
}

#[test]
fn report_file_fifo_does_not_hang_and_directory_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("fifo.json");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let out = wrap_with_report_file(d.path(), &fifo);
    assert_eq!(out.status.code(), Some(254));
    assert!(
        text(&out.stderr).contains("a FIFO"),
        "{}",
        text(&out.stderr)
    );

    let dir = d.path().join("adir");
    std::fs::create_dir(&dir).unwrap();
    let out = wrap_with_report_file(d.path(), &dir);
    assert_eq!(out.status.code(), Some(254));
    assert!(text(&out.stderr).contains("a directory"));
}

#[test]
fn report_file_is_replaced_atomically_with_mode_0600() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("report.json");
    std::fs::write(&path, "old").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = wrap_with_report_file(d.path(), &path);
    assert_eq!(out.status.code(), Some(254));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["error_code"], "AccessDenied");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // 40 concurrent writers, 3 rounds: the file is always one whole report, no temp left.
    let aws = fake_aws(d.path(), DENIED, 254);
    for _ in 0..3 {
        let children: Vec<_> = (0..40)
            .map(|_| {
                let mut cmd = awsx(&aws, d.path(), &["s3api", "get-object"]);
                cmd.env("AWSX_DIAGNOSE", "offline")
                    .env("AWSX_REPORT_FILE", &path)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut c in children {
            c.wait().unwrap();
        }
        let body = std::fs::read_to_string(&path).unwrap();
        let v: serde_json::Value = serde_json::from_str(&body).expect("one whole JSON report");
        assert_eq!(v["schema"], 2);
    }
    let names: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

// 4. The tee on hostile stderr -----------------------------------------------------------

#[test]
fn a_long_stderr_line_full_of_markers_passes_in_linear_time() {
    let d = tempfile::tempdir().unwrap();
    let script = d.path().join("aws");
    std::fs::write(
        &script,
        "#!/bin/sh\nexec python3 -c \"import sys; sys.stderr.buffer.write(b'An error occurred (' * 900000)\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut cmd = awsx(&script, d.path(), &["s3", "ls"]);
    cmd.env("AWSX_DIAGNOSE", "off");
    let start = Instant::now();
    let out = run_within(cmd, Duration::from_secs(60));
    let took = start.elapsed();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stderr.len(), 19 * 900_000, "every byte passed through");
    // Before: 7.8 s in release, far more in a debug build; linear: well under a second.
    assert!(took < Duration::from_secs(5), "{took:?}");
}

// 6. explain's input ----------------------------------------------------------------------

fn explain_cmd(home: &Path) -> Command {
    let mut cmd = Command::new(awsx_bin());
    clean_env(&mut cmd, home);
    cmd.args(["explain", "--offline", "--json"]);
    cmd
}

#[test]
fn explain_refuses_binary_input_at_once() {
    let d = tempfile::tempdir().unwrap();
    for dev in ["/dev/zero", "/dev/urandom"] {
        let mut cmd = explain_cmd(d.path());
        cmd.arg(dev);
        let start = Instant::now();
        let out = run_within(cmd, Duration::from_secs(10));
        assert!(start.elapsed() < Duration::from_secs(2), "{dev}");
        assert_eq!(out.status.code(), Some(2), "{dev}");
        let err = text(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains("is not text"), "{err}");
        assert!(out.stdout.is_empty());
    }
    let bin = d.path().join("gz");
    std::fs::write(
        &bin,
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00An error occurred (AccessDenied)",
    )
    .unwrap();
    let mut cmd = explain_cmd(d.path());
    cmd.arg(&bin);
    let out = run_within(cmd, Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(2));
}

/// Peak RSS in KiB of a finished child, from wait4.
fn wait_rss(child: &mut std::process::Child) -> (i32, i64) {
    let mut status = 0;
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    assert_eq!(r, pid);
    (libc::WEXITSTATUS(status), ru.ru_maxrss)
}

#[test]
fn explain_reads_to_the_end_in_bounded_memory() {
    let d = tempfile::tempdir().unwrap();
    let mut cmd = explain_cmd(d.path());
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        stdout.read_to_string(&mut s).unwrap();
        s
    });
    // 300 MiB of debug noise, then the error: more than the old 256 MiB cut-off.
    let line =
        b"2026-11-30 12:00:00,000 - MainThread - botocore.endpoint - DEBUG - noise noise noise\n";
    let block: Vec<u8> = line
        .iter()
        .copied()
        .cycle()
        .take(line.len() * 12_000)
        .collect();
    let mut sent = 0usize;
    while sent < 300 << 20 {
        stdin.write_all(&block).unwrap();
        sent += block.len();
    }
    stdin.write_all(DENIED.as_bytes()).unwrap();
    drop(stdin);
    let (code, rss_kib) = wait_rss(&mut child);
    let out = reader.join().unwrap();
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["error_code"], "AccessDenied", "{out}");
    assert!(rss_kib < 100 * 1024, "peak RSS {rss_kib} KiB");
}

// 8. Secrets ---------------------------------------------------------------------------------

#[test]
fn secrets_in_the_error_text_are_not_in_any_report() {
    let d = tempfile::tempdir().unwrap();
    let token = "IQoJb3JpZ2luX2VjEHoaCXVzLWVhc3QtMSJHMEUCIQDSESSIONTOKENVALUEFORTESTS0123456789";
    let error = format!(
        "\nAn error occurred (AccessDenied) when calling the GetObject operation: Access Denied for https://b.s3.amazonaws.com/k?X-Amz-Security-Token=QUERYTOKENVALUE0123%2F&X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef ; config aws_secret_access_key=CONFIGSECRET0123456789 ; env {SECRET} ; token {token} ; {{\"SecretAccessKey\": \"JSONSECRET0123456789\", \"SessionToken\": \"JSONTOKEN0123456789\"}} ; Authorization: AWS4-HMAC-SHA256 Credential={KEY_ID}/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024\n"
    );
    let aws = fake_aws(d.path(), &error, 254);
    let file = d.path().join("report.json");
    let secrets = [
        SECRET,
        token,
        "QUERYTOKENVALUE",
        "0123456789abcdef0123456789abcdef",
        "CONFIGSECRET",
        "JSONSECRET",
        "JSONTOKEN",
        "fe5f80f77d5fa3beca038a248ff027d0",
    ];
    for format in ["json", "text"] {
        let mut cmd = awsx(
            &aws,
            d.path(),
            &["s3api", "get-object", "--bucket", "b", "--key", "k", "o"],
        );
        cmd.env("AWSX_DIAGNOSE", "offline")
            .env("AWSX_REPORT", format)
            .env("AWS_SESSION_TOKEN", token)
            .env("AWSX_REPORT_FILE", &file);
        let out = run_within(cmd, Duration::from_secs(20));
        assert_eq!(out.status.code(), Some(254));
        let added = text(appended(&out.stderr, error.as_bytes()));
        let written = std::fs::read_to_string(&file).unwrap();
        assert!(
            added.contains("AccessDenied") && written.contains("AccessDenied"),
            "{added}"
        );
        for s in secrets {
            assert!(!added.contains(s), "{format} report has {s}: {added}");
            assert!(!written.contains(s), "report file has {s}");
        }
        assert!(written.contains("<redacted>"));
    }
}

// 14. Invisible code points ------------------------------------------------------------------

#[test]
fn invisible_and_direction_marks_are_visible_in_both_reports() {
    let d = tempfile::tempdir().unwrap();
    let marks = [
        '\u{200b}', '\u{200d}', '\u{2060}', '\u{feff}', '\u{200e}', '\u{200f}', '\u{061c}',
        '\u{2028}',
    ];
    let role: String = marks.iter().map(|m| format!("a{m}")).collect();
    let error = format!(
        "An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/{role}\n"
    );
    let f = d.path().join("err.txt");
    std::fs::write(&f, &error).unwrap();
    for json in [false, true] {
        let mut cmd = Command::new(awsx_bin());
        clean_env(&mut cmd, d.path());
        cmd.args(["explain", "--offline"]).arg(&f);
        if json {
            cmd.arg("--json");
        }
        let out = run_within(cmd, Duration::from_secs(20));
        assert_eq!(out.status.code(), Some(0));
        let o = text(&out.stdout);
        for m in marks {
            assert!(!o.contains(m), "json={json}: U+{:04X} raw in {o}", m as u32);
        }
        assert!(o.contains("200b"), "{o}");
    }
}

// 15. AWSX_TIMEOUT ---------------------------------------------------------------------------

#[test]
fn unusable_timeouts_are_reported_once_with_the_value_used() {
    let d = tempfile::tempdir().unwrap();
    let aws = fake_aws(d.path(), DENIED, 254);
    // A closed loopback port: the look-ups fail at once.
    let port = free_port();
    let endpoint = format!("http://127.0.0.1:{port}");
    for (value, used) in [
        ("0", "using 4 s"),
        ("-1", "using 4 s"),
        ("abc", "using 4 s"),
        ("nan", "using 4 s"),
        ("inf", "using 4 s"),
        ("2s", "using 4 s"),
        ("1000", "using 600 s"),
    ] {
        let mut cmd = awsx(
            &aws,
            d.path(),
            &[
                "--endpoint-url",
                &endpoint,
                "s3api",
                "get-object",
                "--bucket",
                "b",
                "--key",
                "k",
                "o",
            ],
        );
        cmd.env("AWSX_TIMEOUT", value);
        let out = run_within(cmd, Duration::from_secs(30));
        assert_eq!(out.status.code(), Some(254));
        let err = text(&out.stderr);
        let warnings: Vec<&str> = err
            .lines()
            .filter(|l| l.contains("AWSX_TIMEOUT="))
            .collect();
        assert_eq!(warnings.len(), 1, "{value}: {err}");
        assert!(
            warnings[0].starts_with("awsx: ") && warnings[0].contains(used),
            "{value}: {err}"
        );
    }
    // A good value says nothing.
    let mut cmd = awsx(
        &aws,
        d.path(),
        &["--endpoint-url", &endpoint, "s3api", "get-object"],
    );
    cmd.env("AWSX_TIMEOUT", "2.5");
    let out = run_within(cmd, Duration::from_secs(30));
    assert!(!text(&out.stderr).contains("AWSX_TIMEOUT="));
}

// 2. Where look-ups go -----------------------------------------------------------------------

/// This machine's address on its default route (not loopback), if it has one: a server bound
/// there is local, but awsx must treat it as a third-party host.
fn non_loopback_ip() -> Option<std::net::IpAddr> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.1:9").ok()?; // no packet is sent for a UDP connect
    let ip = s.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified() && TcpListener::bind((ip, 0)).is_ok()).then_some(ip)
}

#[derive(Debug, Clone)]
struct Seen {
    service: String,
    key_id: String,
    agent: String,
}

/// A hostile "S3-compatible" endpoint: answers 403 AccessDenied to everything, records the
/// service and access key of each signed request.
fn hostile_endpoint(ip: std::net::IpAddr) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind((ip, 0)).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let log = Arc::clone(&log);
            std::thread::spawn(move || serve(conn, &log));
        }
    });
    (url, seen)
}

fn serve(mut conn: TcpStream, log: &Mutex<Vec<Seen>>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match conn.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| v.trim().to_string())
            })
            .unwrap_or_default()
    };
    let len: usize = header("content-length").parse().unwrap_or(0);
    let mut body = vec![0u8; len];
    let _ = conn.read_exact(&mut body);
    let auth = header("authorization");
    // Credential=KEY/DATE/REGION/SERVICE/aws4_request
    let scope: Vec<&str> = auth
        .split("Credential=")
        .nth(1)
        .unwrap_or("")
        .split([',', ' '])
        .next()
        .unwrap_or("")
        .split('/')
        .collect();
    log.lock().unwrap().push(Seen {
        key_id: scope.first().unwrap_or(&"").to_string(),
        service: scope.get(3).unwrap_or(&"").to_string(),
        agent: header("user-agent"),
    });
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>R1</RequestId></Error>";
    let _ = write!(
        conn,
        "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn report_json(stderr: &[u8]) -> serde_json::Value {
    let err = text(stderr);
    let line = err
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON report in {err}"));
    serde_json::from_str(line).unwrap()
}

fn awsx_seen(seen: &Mutex<Vec<Seen>>) -> Vec<Seen> {
    seen.lock()
        .unwrap()
        .iter()
        .filter(|s| !s.agent.starts_with("aws-cli/"))
        .cloned()
        .collect()
}

#[test]
fn a_third_party_s3_endpoint_gets_only_s3_look_ups() {
    let Some(ip) = non_loopback_ip() else {
        eprintln!("SKIP: no non-loopback address on this machine");
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let config = d.path().join("config");
    std::fs::write(
        &config,
        "[profile diag]\naws_access_key_id = AKIADIAGNOSEEXAMPLE0\naws_secret_access_key = diagnosesecretdiagnosesecretdiagnosesec0\nregion = us-east-1\n",
    )
    .unwrap();
    let run = |extra: &[(&str, &str)]| {
        let (url, seen) = hostile_endpoint(ip);
        let mut cmd = awsx(
            &aws_v2(),
            d.path(),
            &[
                "--endpoint-url",
                &url,
                "s3api",
                "get-bucket-policy",
                "--bucket",
                "hardening-bucket",
            ],
        );
        cmd.env("AWSX_REPORT", "json")
            .env("AWS_CONFIG_FILE", &config);
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let out = run_within(cmd, Duration::from_secs(60));
        assert_ne!(out.status.code(), Some(0), "{}", text(&out.stderr));
        (report_json(&out.stderr), awsx_seen(&seen), url)
    };

    // The command's own identity: S3 look-ups go there, STS/IAM/KMS never.
    let (report, seen, url) = run(&[]);
    let services: Vec<&str> = seen.iter().map(|s| s.service.as_str()).collect();
    assert!(
        services.contains(&"s3"),
        "S3 look-ups still go to the S3 endpoint: {seen:?}"
    );
    assert!(services.iter().all(|s| *s == "s3"), "{seen:?}");
    let host = ip.to_string();
    let caller = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["probe"] == "sts:GetCallerIdentity")
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(caller["ok"], false);
    let summary = caller["summary"].as_str().unwrap();
    assert!(
        summary.starts_with(&format!("not sent to {host}: ")),
        "{summary} ({url})"
    );

    // AWSX_DIAGNOSE_PROFILE's keys are never sent to that host.
    let (_, seen, _) = run(&[("AWSX_DIAGNOSE_PROFILE", "diag")]);
    assert!(
        seen.iter().all(|s| s.key_id != "AKIADIAGNOSEEXAMPLE0"),
        "{seen:?}"
    );
    assert!(seen.is_empty(), "{seen:?}");

    // Opted in: every look-up goes there.
    let (_, seen, _) = run(&[("AWSX_ENDPOINT_ALL_SERVICES", "1")]);
    assert!(seen.iter().any(|s| s.service == "sts"), "{seen:?}");
}
