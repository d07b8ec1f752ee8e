//! Running the real aws: inherit stdin/stdout, tee stderr, supervise signals.
//!
//! The child keeps the terminal (pagers, prompts, `ssm start-session` work); only stderr
//! goes through a pipe so that awsx can keep a bounded copy for diagnosis while writing
//! every chunk straight through as it arrives.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use crate::capture::Capture;

/// How aws ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

impl Exit {
    /// The status a shell would report: the code, or 128+n for a signal death.
    pub fn code(self) -> i32 {
        match self {
            Exit::Code(c) => c,
            Exit::Signal(n) => 128 + n,
        }
    }
}

pub struct Outcome {
    pub exit: Exit,
    pub stderr: Capture,
    /// The user pressed Ctrl-C (or Ctrl-\\) while aws ran: whatever aws printed, a
    /// diagnosis is not wanted.
    pub interrupted: bool,
}

static CHILD_PID: AtomicI32 = AtomicI32::new(0);
static PENDING: AtomicI32 = AtomicI32::new(0);
static INTERRUPTED: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_forwarded(sig: libc::c_int) {
    // Async-signal-safe: an atomic load and kill(2).
    let pid = CHILD_PID.load(Ordering::SeqCst);
    if pid > 0 {
        unsafe {
            libc::kill(pid, sig);
        }
    } else {
        PENDING.store(sig, Ordering::SeqCst);
    }
}

extern "C" fn on_ignored(sig: libc::c_int) {
    INTERRUPTED.store(sig, Ordering::SeqCst);
    // SIGINT/SIGQUIT from the terminal reach aws too (same process group); aws decides
    // what they mean. A handler rather than SIG_IGN, because an ignored disposition is
    // inherited through exec and Python would then never see Ctrl-C.
}

fn install(sig: libc::c_int, handler: extern "C" fn(libc::c_int)) -> libc::sigaction {
    unsafe {
        let mut new: libc::sigaction = std::mem::zeroed();
        new.sa_sigaction = handler as *const () as usize;
        new.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut new.sa_mask);
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(sig, &new, &mut old);
        old
    }
}

fn restore(sig: libc::c_int, old: &libc::sigaction) {
    unsafe {
        libc::sigaction(sig, old, std::ptr::null_mut());
    }
}

const SUPERVISED: [(libc::c_int, bool); 4] = [
    (libc::SIGINT, false),
    (libc::SIGQUIT, false),
    (libc::SIGTERM, true),
    (libc::SIGHUP, true),
];

/// Runs aws with `args` verbatim; returns once aws has exited.
pub fn run(
    aws: &Path,
    args: &[OsString],
    guard: &str,
    capture_limit: usize,
) -> anyhow::Result<Outcome> {
    use anyhow::Context;
    let (reader, writer) = os_pipe::pipe().context("creating the stderr pipe")?;
    let saved: Vec<_> = SUPERVISED
        .iter()
        .map(|&(sig, fwd)| {
            (
                sig,
                install(sig, if fwd { on_forwarded } else { on_ignored }),
            )
        })
        .collect();
    let started = duct::cmd(aws, args)
        .env(crate::locate::GUARD_VAR, guard)
        .stderr_file(writer)
        .unchecked()
        .start();
    let handle = match started {
        Ok(h) => h,
        Err(e) => {
            for (sig, old) in &saved {
                restore(*sig, old);
            }
            return Err(e).with_context(|| format!("running {}", aws.display()));
        }
    };
    // duct holds the write end only inside the child now; our copy was moved into the
    // expression and dropped after spawn, so EOF arrives when aws (and any grandchild
    // holding its stderr) closes it.
    if let Some(&pid) = handle.pids().first() {
        CHILD_PID.store(pid as i32, Ordering::SeqCst);
        let pending = PENDING.swap(0, Ordering::SeqCst);
        if pending != 0 {
            unsafe {
                libc::kill(pid as i32, pending);
            }
        }
    }

    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let capture = tee(reader, capture_limit);
        let _ = tx.send(capture);
    });

    let status = handle.wait().map(|o| o.status);
    // The handle keeps the expression (and so a copy of the pipe's write end) alive.
    drop(handle);
    CHILD_PID.store(0, Ordering::SeqCst);
    for (sig, old) in &saved {
        restore(*sig, old);
    }
    let status = status.context("waiting for aws")?;
    // A grandchild (a pager, a plugin) may still hold stderr open; do not wait for it
    // forever, diagnosis works with what has arrived.
    let stderr = rx
        .recv_timeout(Duration::from_millis(500))
        .unwrap_or_default();
    use std::os::unix::process::ExitStatusExt;
    let exit = match (status.code(), status.signal()) {
        (Some(c), _) => Exit::Code(c),
        (None, Some(s)) => Exit::Signal(s),
        (None, None) => Exit::Code(1),
    };
    let interrupted = INTERRUPTED.load(Ordering::SeqCst) != 0;
    Ok(Outcome {
        exit,
        stderr,
        interrupted,
    })
}

/// Copies aws's stderr to ours chunk by chunk, keeping a bounded copy.
fn tee(mut reader: os_pipe::PipeReader, limit: usize) -> Capture {
    let mut capture = Capture::new(limit);
    let mut buf = vec![0u8; 128 * 1024];
    let mut out = std::io::stderr().lock();
    let mut out_ok = true;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if out_ok {
                    // A closed or broken stderr on our side must not stop aws: keep
                    // draining the pipe, just stop writing.
                    out_ok = out.write_all(&buf[..n]).and_then(|_| out.flush()).is_ok();
                }
                capture.push(&buf[..n]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    capture
}

/// Ends awsx the way aws ended: same code, or the same signal.
pub fn exit_like(exit: Exit) -> ! {
    if let Exit::Signal(sig) = exit {
        let _ = std::io::stderr().flush();
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, sig);
            libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
            libc::raise(sig);
        }
    }
    std::process::exit(exit.code())
}
