//! awsx: the AWS CLI that tells you why a command failed.
//!
//! Thin dispatch: a reserved first argument is one of awsx's own commands; anything else
//! is an aws command line, run untouched.

use std::ffi::OsString;

use awsx::{cli, diagnose, invocation, locate, run, sanitize};

/// How much of aws's stderr to keep for diagnosis (the tail; error lines are kept apart).
const CAPTURE_LIMIT: usize = 256 * 1024;

fn main() {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    if args
        .first()
        .and_then(|a| a.to_str())
        .is_some_and(|a| cli::RESERVED.contains(&a))
    {
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
        if std::panic::catch_unwind(|| diagnose::after_failure(&inv, &text)).is_err() {
            eprintln!("awsx: diagnosis failed (internal error); aws's output above is complete");
        }
    }
    run::exit_like(outcome.exit)
}
