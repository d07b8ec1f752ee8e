//! Wrap mode is indistinguishable from aws: stdout bytes, stderr bytes (awsx only appends),
//! exit codes, stdin, signals; locating aws and refusing loops. Real aws v1 and v2 + moto.

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

fn make_bucket(cli: &Path, home: &Path, moto: &Server, bucket: &str) {
    let out = run(aws(
        cli,
        home,
        &[
            "--endpoint-url",
            &moto.url,
            "s3api",
            "create-bucket",
            "--bucket",
            bucket,
        ],
    ));
    assert!(out.status.success(), "create-bucket: {}", text(&out.stderr));
}

#[test]
fn stdout_stderr_and_exit_codes_match_aws() {
    let moto = moto();
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let v1 = aws_v1();
    make_bucket(&v1, h, &moto, "bkt");
    // A 5 MB random binary object.
    let blob: Vec<u8> = (0..5 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let file = h.join("blob.bin");
    std::fs::write(&file, &blob).unwrap();
    let up = run(aws(
        &v1,
        h,
        &[
            "--endpoint-url",
            &moto.url,
            "s3",
            "cp",
            file.to_str().unwrap(),
            "s3://bkt/blob.bin",
            "--no-progress",
        ],
    ));
    assert!(up.status.success(), "{}", text(&up.stderr));
    let e = moto.url.as_str();
    let cases: Vec<Vec<&str>> = vec![
        vec!["--endpoint-url", e, "s3api", "list-buckets"],
        vec![
            "--endpoint-url",
            e,
            "s3api",
            "list-buckets",
            "--output",
            "text",
        ],
        vec![
            "--endpoint-url",
            e,
            "s3api",
            "list-buckets",
            "--output",
            "table",
        ],
        vec!["--endpoint-url", e, "s3", "cp", "s3://bkt/blob.bin", "-"],
        // service error (254 on v2, 255 on v1)
        vec![
            "--endpoint-url",
            e,
            "s3api",
            "get-bucket-policy",
            "--bucket",
            "no-such-bkt",
        ],
        // s3 transfer failure: rc 1
        vec!["--endpoint-url", e, "s3", "cp", "s3://no-such-bkt/k", "-"],
        // usage error: 252 on v2, 2 on v1
        vec!["ec2", "no-such-operation"],
        // connection refused: 255
        vec![
            "--endpoint-url",
            "http://127.0.0.1:1",
            "sts",
            "get-caller-identity",
        ],
        vec!["--version"],
    ];
    for (name, cli) in both_clis() {
        for args in &cases {
            let direct = run(&mut aws(&cli, h, args));
            let wrapped = run(&mut awsx(&cli, h, args));
            assert_eq!(
                direct.status.code(),
                wrapped.status.code(),
                "{name} {args:?}: exit code"
            );
            assert!(
                direct.stdout == wrapped.stdout,
                "{name} {args:?}: stdout differs ({} vs {} bytes)",
                direct.stdout.len(),
                wrapped.stdout.len()
            );
            let extra = appended(&wrapped.stderr, &direct.stderr);
            if !direct.status.success() && args[0] == "--endpoint-url" {
                assert!(
                    text(extra).contains("awsx:"),
                    "{name} {args:?}: no report after a failure: {:?}",
                    text(&wrapped.stderr)
                );
            } else {
                // Success and usage errors: awsx adds nothing.
                assert!(
                    extra.is_empty(),
                    "{name} {args:?}: awsx added {:?}",
                    text(extra)
                );
            }
        }
        // The 5 MB object came through byte for byte.
        let got = run(&mut awsx(
            &cli,
            h,
            &["--endpoint-url", e, "s3", "cp", "s3://bkt/blob.bin", "-"],
        ));
        assert!(
            got.stdout == blob,
            "{name}: binary object changed through awsx"
        );
    }
    // Exit codes as FACTS.md measured them, through awsx.
    let expect = [
        ("v1", 255, 1, 2),
        ("v2", 254, 1, 252),
        ("v2.36", 254, 1, 252),
    ];
    assert_eq!(both_clis().len(), expect.len());
    for ((name, cli), (_, service, transfer, usage)) in both_clis().into_iter().zip(expect) {
        let code = |args: &[&str]| run(&mut awsx(&cli, h, args)).status.code();
        assert_eq!(code(&cases[4]), Some(service), "{name} service error");
        assert_eq!(
            code(&cases[5]),
            Some(transfer),
            "{name} s3 transfer failure"
        );
        assert_eq!(code(&cases[6]), Some(usage), "{name} usage error");
        assert_eq!(code(&cases[7]), Some(255), "{name} connection refused");
    }
}

#[test]
fn no_credentials_exit_code_and_no_metadata_wait() {
    let home = tempfile::tempdir().unwrap();
    for (name, cli) in both_clis() {
        let strip = |c: &mut Command| {
            c.env_remove("AWS_ACCESS_KEY_ID")
                .env_remove("AWS_SECRET_ACCESS_KEY");
        };
        let mut d = aws(&cli, home.path(), &["sts", "get-caller-identity"]);
        strip(&mut d);
        let direct = run(&mut d);
        let mut w = awsx(&cli, home.path(), &["sts", "get-caller-identity"]);
        strip(&mut w);
        let start = Instant::now();
        let wrapped = run(&mut w);
        let took = start.elapsed();
        assert_eq!(direct.status.code(), wrapped.status.code(), "{name}");
        if is_v2(name) {
            assert_eq!(wrapped.status.code(), Some(253), "{name}");
        }
        let extra = text(appended(&wrapped.stderr, &direct.stderr));
        assert!(extra.contains("No credentials"), "{name}: {extra}");
        // The CLI already searched for credentials; awsx must not probe again.
        assert!(took < Duration::from_secs(5), "{name}: took {took:?}");
    }
}

#[test]
fn stdin_passes_through() {
    let moto = moto();
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    make_bucket(&aws_v1(), h, &moto, "stdin-bkt");
    for (name, cli) in both_clis() {
        let key = format!("s3://stdin-bkt/{name}.txt");
        let payload = format!("piped through awsx by {name}\n").repeat(1000);
        let mut c = awsx(
            &cli,
            h,
            &["--endpoint-url", &moto.url, "s3", "cp", "-", &key],
        );
        let mut child = c
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(payload.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        let back = run(&mut aws(
            &cli,
            h,
            &["--endpoint-url", &moto.url, "s3", "cp", &key, "-"],
        ));
        assert_eq!(text(&back.stdout), payload, "{name}");
    }
}

/// PIDs whose parent is `pid` (from /proc).
fn children_of(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) {
            let after = stat.rsplit(')').next().unwrap_or("");
            let ppid: u32 = after
                .split_whitespace()
                .nth(1)
                .and_then(|x| x.parse().ok())
                .unwrap_or(0);
            if ppid == pid {
                out.push(p);
            }
        }
    }
    out
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        !s.rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

/// Starts `awsx s3 cp - s3://…` (aws blocks reading stdin) and returns it with aws's PID.
fn blocked_upload(
    cli: &Path,
    home: &Path,
    moto: &Server,
    own_group: bool,
) -> (std::process::Child, u32) {
    let mut c = awsx(
        cli,
        home,
        &[
            "--endpoint-url",
            &moto.url,
            "s3",
            "cp",
            "-",
            "s3://sig-bkt/k",
        ],
    );
    c.stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if own_group {
        c.process_group(0);
    }
    #[allow(clippy::zombie_processes)] // returned to the caller, which waits on it
    let child = c.spawn().unwrap();
    let start = Instant::now();
    loop {
        if let Some(&aws_pid) = children_of(child.id()).first() {
            // Give Python time to install its handlers.
            std::thread::sleep(Duration::from_millis(1500));
            return (child, aws_pid);
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "aws child never appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn signals_reach_aws_and_awsx_ends_like_it() {
    let moto = moto();
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    make_bucket(&aws_v1(), h, &moto, "sig-bkt");
    for (name, cli) in both_clis() {
        // SIGTERM to awsx alone: forwarded to aws; awsx waits and ends as aws did.
        let (mut child, aws_pid) = blocked_upload(&cli, h, &moto, false);
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let status = child.wait().unwrap();
        assert!(
            !alive(aws_pid),
            "{name}: aws {aws_pid} orphaned after SIGTERM"
        );
        assert!(
            status.signal() == Some(libc::SIGTERM) || status.code() == Some(143),
            "{name}: awsx after SIGTERM: {status:?}"
        );

        // Ctrl-C: SIGINT to the whole process group, as a terminal sends it. awsx must
        // end exactly as aws alone ends under the same Ctrl-C. How Python ends depends on
        // how far its start-up got when the signal lands (two separate runs under load may
        // differ), so a pair that differs is run again, up to three times: a real
        // difference repeats, a start-up race does not.
        let mut attempt = 0;
        let (mut child, aws_pid, status, direct_status) = loop {
            attempt += 1;
            let mut direct = aws(
                &cli,
                h,
                &[
                    "--endpoint-url",
                    &moto.url,
                    "s3",
                    "cp",
                    "-",
                    "s3://sig-bkt/k",
                ],
            );
            let mut direct = direct
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(2500 * attempt));
            unsafe { libc::kill(-(direct.id() as i32), libc::SIGINT) };
            let direct_status = direct.wait().unwrap();
            let (mut child, aws_pid) = blocked_upload(&cli, h, &moto, true);
            std::thread::sleep(Duration::from_millis(1000 * (attempt - 1)));
            unsafe { libc::kill(-(child.id() as i32), libc::SIGINT) };
            let status = child.wait().unwrap();
            let same =
                (status.code(), status.signal()) == (direct_status.code(), direct_status.signal());
            if same || attempt == 3 {
                break (child, aws_pid, status, direct_status);
            }
        };
        assert!(
            !alive(aws_pid),
            "{name}: aws {aws_pid} orphaned after SIGINT"
        );
        assert_eq!(
            (status.code(), status.signal()),
            (direct_status.code(), direct_status.signal()),
            "{name}: awsx after SIGINT vs aws alone"
        );
        // awsx did not die first: it reports aws's own status, and prints no diagnosis.
        let mut err = String::new();
        use std::io::Read;
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(!err.contains("awsx:"), "{name}: {err}");
    }
}

fn script(dir: &Path, name: &str, body: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

#[test]
fn locating_aws_and_loops() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let run_with_path = |path: &str, extra: &[(&str, &str)]| {
        let mut c = Command::new(awsx_bin());
        c.env_clear()
            .env("PATH", path)
            .env("HOME", t)
            .args(["s3", "ls"]);
        for (k, v) in extra {
            c.env(k, v);
        }
        let start = Instant::now();
        let out = c.stdin(Stdio::null()).output().unwrap();
        (out, start.elapsed())
    };
    // Nothing on PATH: 127 and one line.
    let empty = t.join("empty");
    std::fs::create_dir(&empty).unwrap();
    let (out, _) = run_with_path(empty.to_str().unwrap(), &[]);
    assert_eq!(out.status.code(), Some(127));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("cannot find the aws CLI"), "{err}");

    // A symlink named aws pointing at awsx is skipped (same inode), then a real one is used.
    let links = t.join("links");
    std::fs::create_dir(&links).unwrap();
    std::os::unix::fs::symlink(awsx_bin(), links.join("aws")).unwrap();
    let real = t.join("real");
    std::fs::create_dir(&real).unwrap();
    script(&real, "aws", "#!/bin/sh\necho \"REAL $*\"\nexit 3\n");
    let (out, _) = run_with_path(
        &format!("{}:{}", links.display(), real.display()),
        &[("AWSX_DIAGNOSE", "off")],
    );
    assert_eq!(text(&out.stdout), "REAL s3 ls\n");
    assert_eq!(out.status.code(), Some(3));
    // …and with only the symlink, it is "not found", never a fork bomb.
    let (out, _) = run_with_path(links.to_str().unwrap(), &[]);
    assert_eq!(out.status.code(), Some(127));

    // A wrapper script named aws that runs awsx again: the guard stops it.
    let wrap = t.join("wrap");
    std::fs::create_dir(&wrap).unwrap();
    script(
        &wrap,
        "aws",
        &format!("#!/bin/sh\nexec {} \"$@\"\n", awsx_bin().display()),
    );
    let (out, took) = run_with_path(wrap.to_str().unwrap(), &[]);
    assert_eq!(out.status.code(), Some(127), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("loop detected"),
        "{}",
        text(&out.stderr)
    );
    assert!(took < Duration::from_secs(5));

    // AWSX_AWS_CLI wins over PATH; pointing it at awsx itself is refused.
    let other = script(t, "my-aws", "#!/bin/sh\necho \"MINE $*\"\n");
    let (out, _) = run_with_path(
        real.to_str().unwrap(),
        &[("AWSX_AWS_CLI", other.to_str().unwrap())],
    );
    assert_eq!(text(&out.stdout), "MINE s3 ls\n");
    let (out, _) = run_with_path(
        real.to_str().unwrap(),
        &[("AWSX_AWS_CLI", awsx_bin().to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(127));
    assert!(text(&out.stderr).contains("is awsx itself"));
}

#[test]
fn stderr_chunks_are_forwarded_live_and_diagnose_off_adds_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    // Partial lines and carriage returns must arrive before aws exits (progress output).
    let fake = script(
        tmp.path(),
        "aws",
        "#!/bin/sh\nprintf 'abc' >&2\nsleep 1\nprintf 'def\\r' >&2\nsleep 1\nprintf '\\nAn error occurred (AccessDenied) when calling the ListBuckets operation: Access Denied\\n' >&2\nexit 255\n",
    );
    let mut c = awsx(&fake, tmp.path(), &["s3", "ls"]);
    c.env("AWSX_DIAGNOSE", "offline")
        .stderr(Stdio::piped())
        .stdout(Stdio::null());
    let mut child = c.spawn().unwrap();
    let mut err = child.stderr.take().unwrap();
    let start = Instant::now();
    let mut first = [0u8; 3];
    use std::io::Read;
    err.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"abc");
    assert!(
        start.elapsed() < Duration::from_millis(900),
        "first chunk was held back"
    );
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(255));
    assert!(
        rest.starts_with("def\r\nAn error occurred (AccessDenied)"),
        "{rest:?}"
    );
    assert!(rest.contains("awsx: Access denied"), "{rest}");

    let mut c = awsx(&fake, tmp.path(), &["s3", "ls"]);
    let out = run(c.env("AWSX_DIAGNOSE", "off"));
    assert_eq!(out.status.code(), Some(255));
    assert!(!text(&out.stderr).contains("awsx"), "{}", text(&out.stderr));
}

#[test]
fn awsx_help_and_version_are_reserved_names() {
    let out = Command::new(awsx_bin())
        .args(["awsx", "--version"])
        .output()
        .unwrap();
    assert!(
        text(&out.stdout).starts_with("awsx "),
        "{}",
        text(&out.stdout)
    );
    let out = Command::new(awsx_bin())
        .args(["awsx", "--help"])
        .output()
        .unwrap();
    let help = text(&out.stdout);
    for var in [
        "AWSX_AWS_CLI",
        "AWSX_DIAGNOSE",
        "AWSX_REPORT",
        "AWSX_REPORT_FILE",
        "AWSX_TIMEOUT",
        "AWSX_DIAGNOSE_PROFILE",
    ] {
        assert!(help.contains(var), "help lacks {var}");
    }
    // Bad input to awsx's own commands: one line, non-zero.
    let out = Command::new(awsx_bin())
        .args(["explain", "/no/such/file"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stderr).lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn help_passes_through_unchanged() {
    let home = tempfile::tempdir().unwrap();
    for (name, cli) in both_clis() {
        for args in [&["help"][..], &["s3", "help"][..]] {
            let direct = run(&mut aws(&cli, home.path(), args));
            let wrapped = run(&mut awsx(&cli, home.path(), args));
            assert_eq!(
                direct.status.code(),
                wrapped.status.code(),
                "{name} {args:?}"
            );
            assert!(
                direct.stdout == wrapped.stdout,
                "{name} {args:?}: stdout differs"
            );
            assert_eq!(
                text(&direct.stderr),
                text(&wrapped.stderr),
                "{name} {args:?}: stderr differs"
            );
        }
    }
}

#[test]
fn a_closed_stderr_does_not_stop_aws() {
    let tmp = tempfile::tempdir().unwrap();
    let done = tmp.path().join("done");
    // Writes 2 MB to stderr (far more than a pipe holds), then records that it finished.
    let fake = script(
        tmp.path(),
        "aws",
        &format!(
            "#!/bin/sh\nhead -c 2000000 /dev/zero | tr '\\0' 'x' >&2\necho finished > {}\nexit 0\n",
            done.display()
        ),
    );
    let mut c = awsx(&fake, tmp.path(), &["s3", "ls"]);
    c.stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    drop(child.stderr.take()); // the reader goes away: awsx's writes now fail with EPIPE
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert_eq!(std::fs::read_to_string(&done).unwrap(), "finished\n");
}

#[test]
fn slow_readers_and_background_helpers_get_all_of_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    // 100 KB (more than a pipe holds) to a reader that starts reading only after 1.5 s.
    let big = script(
        t,
        "big-aws",
        "#!/bin/sh\nhead -c 100000 /dev/zero | tr '\\0' 'y' >&2\nexit 3\n",
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "AWSX_DIAGNOSE=off AWSX_AWS_CLI={} {} x 2>&1 >/dev/null | (sleep 1.5; wc -c)",
            big.display(),
            awsx_bin().display()
        ))
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout).trim(), "100000");
    // A helper aws leaves behind writes to stderr after aws (and awsx) exited, and lives on.
    let marker = t.join("helper-done");
    let helper = script(
        t,
        "helper-aws",
        &format!(
            "#!/bin/sh\n( sleep 1; echo 'helper line' >&2; echo ok > {} ) &\necho 'main line' >&2\nexit 0\n",
            marker.display()
        ),
    );
    let log = t.join("stderr.log");
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "AWSX_DIAGNOSE=off AWSX_AWS_CLI={} {} x 2>>{}",
            helper.display(),
            awsx_bin().display(),
            log.display()
        ))
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    std::thread::sleep(Duration::from_millis(2000));
    assert_eq!(
        std::fs::read_to_string(&marker).unwrap_or_default(),
        "ok\n",
        "the helper was killed"
    );
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "main line\nhelper line\n"
    );
}

#[test]
fn sigint_sent_to_awsx_alone_reaches_aws() {
    let tmp = tempfile::tempdir().unwrap();
    // aws that reports which signal it got.
    let fake = script(
        tmp.path(),
        "aws",
        "#!/bin/sh\ntrap 'echo got-INT >&2; exit 130' INT\nsleep 10 >/dev/null 2>&1 & wait $!\nexit 0\n",
    );
    let mut c = awsx(&fake, tmp.path(), &["s3", "ls"]);
    c.stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let start = Instant::now();
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "SIGINT to awsx was swallowed"
    );
    assert_eq!(status.code(), Some(130));
    let mut err = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(err.starts_with("got-INT"), "{err}");
}
