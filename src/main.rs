//! awsx: the AWS CLI that tells you why a command failed.
//!
//! Thin dispatch: a reserved first argument is one of awsx's own commands; anything else
//! is an aws command line, run untouched.

use std::ffi::OsString;

use awsx::{cli, diagnose, invocation, locate, run, sanitize};

/// How much of aws's stderr to keep for diagnosis (the tail; error lines are kept apart).
const CAPTURE_LIMIT: usize = 256 * 1024;

/// Records, before std's runtime init, which standard fds awsx was started with closed
/// and whether SIGPIPE was ignored.
///
/// Why a constructor: std's `lang_start` (the real `main` rustc generates) reopens a closed
/// fd 0/1/2 on /dev/null and ignores SIGPIPE before our `main` runs, and afterwards a
/// reopened fd cannot be told from one the user gave (`<>/dev/null` looks the same). An
/// `.init_array` function runs earlier: glibc and the dynamic loader call every
/// constructor before they call `main`. Only the record is taken here; std's init still
/// runs as usual, so awsx itself keeps valid fds 0-2 (a pipe it opens can never land on
/// fd 2) and its SIGPIPE and panic behaviour. The child closes the recorded fds again
/// between fork and exec (`run::run`), so aws sees exactly what awsx was given.
/// (`#![no_main]` with an `extern "C" fn main` would skip std's init altogether, which
/// awsx would then have to redo by hand.)
#[cfg(any(target_os = "linux", target_os = "android"))]
#[used]
#[unsafe(link_section = ".init_array")]
static RECORD_STARTUP: extern "C" fn(
    libc::c_int,
    *const *const libc::c_char,
    *const *const libc::c_char,
) = record_startup;

#[cfg(any(target_os = "linux", target_os = "android"))]
extern "C" fn record_startup(
    _argc: libc::c_int,
    _argv: *const *const libc::c_char,
    _envp: *const *const libc::c_char,
) {
    let mut closed = 0u8;
    for fd in 0..3 {
        // F_GETFD fails with EBADF exactly when the descriptor is not open.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::EBADF)
        {
            closed |= 1 << fd;
        }
    }
    let sigpipe_ignored = unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(libc::SIGPIPE, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction == libc::SIG_IGN
    };
    run::record_startup(closed, sigpipe_ignored);
}

fn main() {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    if args
        .first()
        .and_then(|a| a.to_str())
        .is_some_and(|a| cli::RESERVED.contains(&a))
    {
        // Own commands print a product on stdout and hold nothing to report: when the
        // reader goes away (`awsx init bash | head -1`), end quietly like cat or grep, by
        // SIGPIPE (std ignores it, and every print would then panic). Not in wrap mode:
        // there awsx must outlive a broken stderr to keep draining aws's pipe and to end
        // with aws's exit status.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
        let code = match cli::run(args) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("awsx: {}", sanitize::inert_line(&format!("{e:#}")));
                1
            }
        };
        std::process::exit(code);
    }
    wrap(args)
}

/// Wrap mode: run aws, pass everything through, diagnose a failure afterwards.
fn wrap(args: Vec<OsString>) -> ! {
    let aws = match locate::find_aws(std::env::var_os("AWSX_AWS_CLI")) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(127);
        }
    };
    let guard = match locate::guard(std::env::var_os(locate::GUARD_VAR), &aws, &args) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(127);
        }
    };
    let outcome = match run::run(&aws, &args, &guard, CAPTURE_LIMIT) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("awsx: {e:#}");
            std::process::exit(127);
        }
    };
    // Ctrl-C (130) and signal deaths are the user's decision, not a failure to explain.
    if let run::Exit::Code(code) = outcome.exit
        && code != 0
        && code != 130
        && !outcome.interrupted
        && outcome.stderr.total() > 0
    {
        // Diagnosis must never change aws's exit status: contain any panic.
        std::panic::set_hook(Box::new(|_| {}));
        let inv = invocation::Invocation::parse(&args);
        let text = outcome.stderr.text();
        if std::panic::catch_unwind(|| diagnose::after_failure(&inv, &text, &args, code)).is_err() {
            eprintln!("awsx: diagnosis failed (internal error); aws's output above is complete");
        }
    } else {
        // No report: AWSX_REPORT_FILE must not keep an earlier run's diagnosis.
        diagnose::without_report(&args, outcome.exit.code());
    }
    run::exit_like(outcome.exit)
}
