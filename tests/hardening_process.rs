//! Process hardening (issue 16): ignored signals, closed standard fds, a chatty background
//! helper, the report's first line, orphans, own commands on a closed pipe. Real processes
//! throughout: sh, nohup, kill, fake `aws` scripts that report what they were given, and
//! the real aws v1 against moto where aws's own behaviour is the reference.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// Alive and not a zombie (an orphan's zombie may wait for a reaper that never comes).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        !s.rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

/// Waits until `path` holds a full line, and returns it.
fn wait_for_line(path: &Path) -> String {
    let start = Instant::now();
    loop {
        if let Ok(s) = std::fs::read_to_string(path)
            && s.ends_with('\n')
        {
            return s.trim().to_string();
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `sh -c '<prelude> exec "$0" "$@" <redirs>' prog args…` in the clean test environment.
fn sh_exec(home: &Path, prelude: &str, redirs: &str, prog: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("sh");
    clean_env(&mut c, home);
    c.arg("-c")
        .arg(format!("{prelude} exec \"$0\" \"$@\" {redirs}"))
        .arg(prog)
        .args(args);
    c
}

/// The signals a process ignores, from its SigIgn mask, as names.
fn ignored_names(sigign_line: &str) -> Vec<&'static str> {
    let hex = sigign_line.rsplit(['\t', ' ']).next().unwrap_or("0");
    let mask = u64::from_str_radix(hex, 16).unwrap_or_else(|_| panic!("{sigign_line:?}"));
    [
        (libc::SIGHUP, "HUP"),
        (libc::SIGINT, "INT"),
        (libc::SIGQUIT, "QUIT"),
        (libc::SIGPIPE, "PIPE"),
        (libc::SIGTERM, "TERM"),
    ]
    .into_iter()
    .filter(|(sig, _)| mask & (1u64 << (sig - 1)) != 0)
    .map(|(_, n)| n)
    .collect()
}

/// A fake aws that records its ignored signals and its parent (awsx) and then runs `rest`.
fn signal_reporter(dir: &Path, rest: &str) -> (PathBuf, PathBuf, PathBuf) {
    let ign = dir.join("sigign");
    let ppid = dir.join("ppid");
    let fake = script(
        dir,
        "aws",
        &format!(
            "#!/bin/sh\ngrep SigIgn /proc/$$/status > {}\necho $PPID > {}\n{rest}\n",
            ign.display(),
            ppid.display()
        ),
    );
    (fake, ign, ppid)
}

#[test]
fn ignored_signals_stay_ignored_for_aws_as_without_awsx() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (fake, ign, _) = signal_reporter(t, "exit 0");
    for prelude in [
        "",
        "trap '' HUP;",
        "trap '' INT QUIT;",
        "trap '' TERM;",
        "trap '' PIPE;",
        "trap '' HUP INT QUIT TERM PIPE;",
    ] {
        let mut seen = Vec::new();
        for (prog, args) in [(&fake, vec![]), (&awsx_bin(), vec!["s3", "ls"])] {
            let _ = std::fs::remove_file(&ign);
            let mut c = sh_exec(t, prelude, "", prog, &args);
            c.env("AWSX_AWS_CLI", &fake);
            let out = run(c);
            assert!(out.status.success(), "{prelude}: {}", text(&out.stderr));
            seen.push(ignored_names(&wait_for_line(&ign)));
        }
        assert_eq!(seen[1], seen[0], "{prelude:?}: through awsx vs plain aws");
    }
}

#[test]
fn nohup_awsx_survives_a_hangup_like_aws() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let done = t.join("done");
    let (fake, ign, _) = signal_reporter(t, &format!("sleep 1\necho done > {}", done.display()));
    let mut c = Command::new("nohup");
    clean_env(&mut c, t);
    c.arg(awsx_bin())
        .args(["s3", "ls"])
        .env("AWSX_AWS_CLI", &fake)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = c.spawn().unwrap();
    assert_eq!(ignored_names(&wait_for_line(&ign)), ["HUP"]);
    // nohup exec'd awsx: this PID is awsx's. The terminal hangs up.
    unsafe { libc::kill(child.id() as i32, libc::SIGHUP) };
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(0),
        "awsx under nohup after SIGHUP: {status:?}"
    );
    assert_eq!(wait_for_line(&done), "done", "aws did not run to its end");
}

#[test]
fn background_job_in_a_script_ignores_ctrl_c_like_aws() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let done = t.join("done");
    let (fake, ign, ppid) = signal_reporter(t, &format!("sleep 1\necho done > {}", done.display()));
    // A non-interactive shell starts `cmd &` with SIGINT and SIGQUIT ignored.
    let mut c = Command::new("sh");
    clean_env(&mut c, t);
    c.arg("-c")
        .arg("\"$0\" s3 ls & wait $!")
        .arg(awsx_bin())
        .env("AWSX_AWS_CLI", &fake)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let child = c.spawn().unwrap();
    assert_eq!(ignored_names(&wait_for_line(&ign)), ["INT", "QUIT"]);
    let awsx_pid: i32 = wait_for_line(&ppid).parse().unwrap();
    unsafe {
        libc::kill(awsx_pid, libc::SIGINT);
        libc::kill(awsx_pid, libc::SIGQUIT);
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(wait_for_line(&done), "done", "aws did not run to its end");
}

#[test]
fn closed_standard_fds_stay_closed_for_aws() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let report = t.join("fds");
    // Which of fds 0-2 are open, looked up by the shell itself (no redirection in between).
    let fake = script(
        t,
        "aws",
        &format!(
            "#!/bin/sh\nr=\nfor fd in 0 1 2; do if [ -e /proc/$$/fd/$fd ]; then r=\"$r$fd=open \"; else r=\"$r$fd=closed \"; fi; done\necho \"$r\" > {}\n",
            report.display()
        ),
    );
    for redirs in ["", "<&-", ">&-", "2>&-", "<&- >&-", "<&- >&- 2>&-"] {
        let mut seen = Vec::new();
        for (prog, args) in [(&fake, vec![]), (&awsx_bin(), vec!["s3", "ls"])] {
            let _ = std::fs::remove_file(&report);
            let mut c = sh_exec(t, "", redirs, prog, &args);
            c.env("AWSX_AWS_CLI", &fake);
            let out = run(c);
            seen.push((out.status.code(), wait_for_line(&report)));
        }
        assert_eq!(seen[1], seen[0], "{redirs:?}: through awsx vs plain aws");
    }
}

#[test]
fn upload_from_a_closed_stdin_fails_as_with_aws() {
    let moto = moto();
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let v1 = aws_v1();
    let mk = run(aws(
        &v1,
        h,
        &[
            "--endpoint-url",
            &moto.url,
            "s3api",
            "create-bucket",
            "--bucket",
            "closed-stdin",
        ],
    ));
    assert!(mk.status.success(), "{}", text(&mk.stderr));
    let args = [
        "--endpoint-url",
        &moto.url,
        "s3",
        "cp",
        "-",
        "s3://closed-stdin/k",
    ];
    let plain = run(sh_exec(h, "", "<&-", &v1, &args));
    let mut c = sh_exec(h, "", "<&-", &awsx_bin(), &args);
    c.env("AWSX_AWS_CLI", &v1).env("AWSX_DIAGNOSE", "offline");
    let wrapped = run(c);
    assert_ne!(
        plain.status.code(),
        Some(0),
        "aws itself refuses a closed stdin"
    );
    assert_eq!(
        wrapped.status.code(),
        plain.status.code(),
        "awsx: {}",
        text(&wrapped.stderr)
    );
    appended(&wrapped.stderr, &plain.stderr);
    // No object was created from an empty stand-in stdin.
    let head = run(aws(
        &v1,
        h,
        &[
            "--endpoint-url",
            &moto.url,
            "s3api",
            "head-object",
            "--bucket",
            "closed-stdin",
            "--key",
            "k",
        ],
    ));
    assert!(!head.status.success(), "an object was uploaded");
}

#[test]
fn a_chatty_background_helper_does_not_hold_awsx() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let finished = t.join("helper-finished");
    // The helper writes every 200 ms for 6 s: stderr is never quiet for 500 ms.
    let fake = script(
        t,
        "aws",
        &format!(
            "#!/bin/sh\necho main >&2\n( i=0; while [ $i -lt 30 ]; do echo tick $i >&2; sleep 0.2; i=$((i+1)); done; echo ok > {} ) &\nexit 0\n",
            finished.display()
        ),
    );
    let log = t.join("stderr.log");
    let mut c = awsx(&fake, t, &["s3", "ls"]);
    c.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap());
    let start = Instant::now();
    let status = c.status().unwrap();
    let took = start.elapsed();
    assert_eq!(status.code(), Some(0));
    assert!(
        took < Duration::from_secs(3),
        "awsx waited {took:?} for the helper"
    );
    // The helper keeps its stderr after awsx is gone, and no line is lost or doubled.
    wait_for_line(&finished);
    std::thread::sleep(Duration::from_millis(300));
    let mut want = String::from("main\n");
    for i in 0..30 {
        want.push_str(&format!("tick {i}\n"));
    }
    assert_eq!(std::fs::read_to_string(&log).unwrap(), want);
}

#[test]
fn the_report_starts_on_its_own_line() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let msg =
        "An error occurred (AccessDenied) when calling the ListBuckets operation: Access Denied";
    for (ending, name) in [("", "no-newline"), ("\\n", "newline")] {
        let fake = script(
            t,
            &format!("aws-{name}"),
            &format!("#!/bin/sh\nprintf '\\n{msg}{ending}' >&2\nexit 254\n"),
        );
        let aws_bytes = format!("\n{msg}{}", if ending.is_empty() { "" } else { "\n" });
        for format in ["json", "text"] {
            let mut c = awsx(&fake, t, &["s3api", "list-buckets"]);
            c.env("AWSX_DIAGNOSE", "offline").env("AWSX_REPORT", format);
            let out = run(c);
            assert_eq!(out.status.code(), Some(254));
            let report = text(appended(&out.stderr, aws_bytes.as_bytes()));
            assert!(!report.is_empty(), "{name} {format}: no report");
            if ending.is_empty() {
                assert!(report.starts_with('\n'), "{name} {format}: {report:?}");
            }
            if format == "json" {
                // Exactly one line after aws's bytes, and it is the JSON report.
                let body = report.strip_prefix('\n').filter(|_| ending.is_empty());
                let body = body.unwrap_or(&report);
                assert_eq!(body.lines().count(), 1, "{name}: {report:?}");
                let v: serde_json::Value = serde_json::from_str(body.trim_end())
                    .unwrap_or_else(|e| panic!("{name}: {e}: {report:?}"));
                assert!(v.is_object());
            }
        }
    }
}

#[test]
fn aws_does_not_outlive_a_killed_awsx() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    // SIGKILL (cannot be handled) and SIGUSR1 (not handled by awsx: it dies of it).
    for sig in [libc::SIGKILL, libc::SIGUSR1] {
        let pidfile = t.join(format!("aws-{sig}.pid"));
        let fake = script(
            t,
            &format!("aws-{sig}"),
            &format!(
                "#!/bin/sh\necho $$ > {}\nexec sleep 30\n",
                pidfile.display()
            ),
        );
        let mut c = awsx(&fake, t, &["s3", "ls"]);
        c.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = c.spawn().unwrap();
        let aws_pid: u32 = wait_for_line(&pidfile).parse().unwrap();
        assert!(alive(aws_pid));
        unsafe { libc::kill(child.id() as i32, sig) };
        let status = child.wait().unwrap();
        assert_eq!(status.signal(), Some(sig));
        let start = Instant::now();
        while alive(aws_pid) && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let orphaned = alive(aws_pid);
        if orphaned {
            unsafe { libc::kill(aws_pid as i32, libc::SIGKILL) };
        }
        assert!(
            !orphaned,
            "aws {aws_pid} outlived awsx killed by signal {sig}"
        );
    }
}

/// A profile's `credential_process` that hangs past the diagnosis deadline (and has a child
/// of its own) is ended with the diagnosis: aws-config drops its future but not the
/// process, so without awsx's cleanup both would outlive awsx by 30 s.
#[test]
fn a_credential_process_does_not_outlive_the_diagnosis() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (pid1, pid2) = (t.join("cred.pid"), t.join("sleep.pid"));
    let cred = script(
        t,
        "slow-cred",
        &format!(
            "#!/bin/sh\necho $$ > {}\nsleep 30 &\necho $! > {}\nwait\n",
            pid1.display(),
            pid2.display()
        ),
    );
    let config = t.join("config");
    std::fs::write(
        &config,
        format!(
            "[profile slow]\ncredential_process = {}\nregion = us-east-1\n",
            cred.display()
        ),
    )
    .unwrap();
    let fake = script(
        t,
        "aws",
        "#!/bin/sh\necho 'An error occurred (AccessDenied) when calling the ListBuckets operation: Access Denied' >&2\nexit 254\n",
    );
    let mut c = awsx(&fake, t, &["s3api", "list-buckets", "--profile", "slow"]);
    c.env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", t.join("no-credentials"))
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWSX_TIMEOUT", "1");
    let start = Instant::now();
    let out = run(c);
    let took = start.elapsed();
    assert_eq!(out.status.code(), Some(254), "{}", text(&out.stderr));
    assert!(took < Duration::from_secs(10), "awsx took {took:?}");
    let pids: Vec<u32> = [&pid1, &pid2]
        .iter()
        .map(|p| wait_for_line(p).parse().unwrap())
        .collect();
    let start = Instant::now();
    while pids.iter().any(|&p| alive(p)) && start.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let left: Vec<u32> = pids.iter().copied().filter(|&p| alive(p)).collect();
    for &p in &left {
        unsafe { libc::kill(p as i32, libc::SIGKILL) };
    }
    assert!(
        left.is_empty(),
        "credential_process processes {left:?} outlived awsx (of {pids:?})"
    );
}

#[test]
fn own_commands_end_quietly_on_a_closed_pipe() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let log = t.join("ci.log");
    std::fs::write(
        &log,
        "An error occurred (AccessDenied) when calling the ListBuckets operation: Access Denied\n",
    )
    .unwrap();
    let log = log.to_str().unwrap();
    let cases: [&[&str]; 5] = [
        &["init", "bash"],
        &["init", "zsh"],
        &["completions", "bash"],
        &["explain", "--offline", log],
        &["awsx", "--help"],
    ];
    for args in cases {
        // A pipe whose reader is already gone: the first write fails (EPIPE / SIGPIPE).
        let (reader, writer) = os_pipe::pipe().unwrap();
        drop(reader);
        let mut c = Command::new(awsx_bin());
        clean_env(&mut c, t);
        let out = c
            .args(args)
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGPIPE),
            "{args:?}: {:?} {}",
            out.status,
            text(&out.stderr)
        );
        assert!(out.stderr.is_empty(), "{args:?}: {}", text(&out.stderr));
        // `| head -1`: the reader leaves after the first line.
        let mut sh = Command::new("sh");
        clean_env(&mut sh, t);
        let out = sh
            .arg("-c")
            .arg("\"$0\" \"$@\" | head -c 1 >/dev/null")
            .arg(awsx_bin())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.stderr.is_empty(),
            "{args:?} | head: {}",
            text(&out.stderr)
        );
    }
}

/// While aws runs, only aws may hold the write end of its stderr pipe: if awsx kept a copy,
/// EOF would never come from aws's exit, and every command (even a success) would wait out
/// the tee's quiet period (a 500 ms regression once). The fake aws looks at awsx's fds.
#[test]
fn awsx_holds_no_write_end_of_the_stderr_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let aws = script(
        dir.path(),
        "aws",
        r#"me=$(readlink /proc/self/fd/2)
n=0
for fd in /proc/$PPID/fd/*; do
  [ "$(readlink "$fd")" = "$me" ] || continue
  flags=$(awk '/^flags/ {print $2}' /proc/$PPID/fdinfo/${fd##*/})
  # O_WRONLY is the low bit of the octal flags.
  case "$flags" in *1) n=$((n+1));; esac
done
echo "writers=$n"
"#,
    );
    let home = tempfile::tempdir().unwrap();
    let out = run(awsx(&aws, home.path(), &["x"]));
    assert_eq!(
        text(&out.stdout).trim(),
        "writers=0",
        "{}",
        text(&out.stderr)
    );
}
