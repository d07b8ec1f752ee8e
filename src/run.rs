//! Running the real aws: inherit stdin/stdout, tee stderr, supervise signals.
//!
//! The child keeps the terminal (pagers, prompts, `ssm start-session` work); only stderr
//! goes through a pipe so that awsx can keep a bounded copy for diagnosis while writing
//! every chunk straight through as it arrives.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use std::time::Instant;

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

extern "C" fn on_ignored(sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    // SIGINT/SIGQUIT from the terminal reach aws too (same process group); aws decides
    // what they mean. A handler rather than SIG_IGN, because an ignored disposition is
    // inherited through exec and Python would then never see Ctrl-C.
    // Sent to awsx alone by a process (`kill -INT`, a supervisor): aws would never see it,
    // so pass it on.
    let from_process = !info.is_null() && unsafe { (*info).si_code } == libc::SI_USER;
    if from_process {
        let pid = CHILD_PID.load(Ordering::SeqCst);
        if pid > 0 {
            unsafe {
                libc::kill(pid, sig);
            }
        }
    }
    INTERRUPTED.store(sig, Ordering::SeqCst);
}

fn install(sig: libc::c_int, forward: bool) -> libc::sigaction {
    unsafe {
        let mut new: libc::sigaction = std::mem::zeroed();
        if forward {
            new.sa_sigaction = on_forwarded as extern "C" fn(libc::c_int) as usize;
            new.sa_flags = libc::SA_RESTART;
        } else {
            new.sa_sigaction = on_ignored
                as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void)
                as usize;
            new.sa_flags = libc::SA_RESTART | libc::SA_SIGINFO;
        }
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
        .map(|&(sig, fwd)| (sig, install(sig, fwd)))
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

    // The tee runs on its own thread; it shares the capture and says when it last read and
    // whether it is blocked writing to our stderr (a slow reader such as `| less`).
    let shared = Arc::new(Shared::new(capture_limit));
    // A second handle on the read end: if a background helper of aws keeps the pipe open
    // after aws exits, `cat` takes the pipe over so that the helper keeps its stderr.
    let spare = reader.try_clone().ok();
    let done = {
        let shared = Arc::clone(&shared);
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        match std::thread::Builder::new()
            .name("tee".into())
            .spawn(move || {
                tee(reader, &shared);
                let _ = tx.send(());
            }) {
            Ok(_) => Some(rx),
            Err(_) => None,
        }
    };

    let status = handle.wait().map(|o| o.status);
    // The handle keeps the expression (and so a copy of the pipe's write end) alive.
    drop(handle);
    CHILD_PID.store(0, Ordering::SeqCst);
    for (sig, old) in &saved {
        restore(*sig, old);
    }
    // A SIGTERM/SIGHUP that arrived between aws's exit and the restore: act on it now.
    let late = PENDING.swap(0, Ordering::SeqCst);
    if late != 0 {
        unsafe {
            libc::raise(late);
        }
    }
    let status = status.context("waiting for aws")?;
    match done {
        Some(rx) => wait_for_tee(&rx, &shared, spare),
        // No thread could be started: nothing was teed yet, copy here (aws has exited).
        None => {
            if let Some(r) = spare {
                tee(r, &shared);
            }
        }
    }
    let stderr = shared.take_capture();
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

struct Shared {
    capture: Mutex<Capture>,
    /// Milliseconds since `start` of the last read from the pipe.
    last_read_ms: AtomicU64,
    /// The tee is inside a write to our stderr (which may block on a slow reader).
    writing: AtomicBool,
    start: Instant,
}

impl Shared {
    fn new(limit: usize) -> Shared {
        Shared {
            capture: Mutex::new(Capture::new(limit)),
            last_read_ms: AtomicU64::new(0),
            writing: AtomicBool::new(false),
            start: Instant::now(),
        }
    }

    fn idle(&self) -> Duration {
        let now = self.start.elapsed().as_millis() as u64;
        Duration::from_millis(now.saturating_sub(self.last_read_ms.load(Ordering::SeqCst)))
    }

    fn take_capture(&self) -> Capture {
        match self.capture.lock() {
            Ok(mut c) => std::mem::take(&mut *c),
            Err(p) => std::mem::take(&mut *p.into_inner()),
        }
    }
}

/// After aws exits: wait for the tee to reach EOF. Grandchildren (a pager, a plugin, a
/// browser started by `sso login`) may hold stderr open; once the pipe has been quiet for
/// a while (and no write to our stderr is pending), hand it to `cat` and go on.
fn wait_for_tee(
    rx: &std::sync::mpsc::Receiver<()>,
    shared: &Shared,
    spare: Option<os_pipe::PipeReader>,
) {
    const QUIET: Duration = Duration::from_millis(500);
    loop {
        match rx.recv_timeout(Duration::from_millis(25)) {
            Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
        if shared.writing.load(Ordering::SeqCst) || shared.idle() < QUIET {
            continue;
        }
        if let Some(r) = spare {
            // `cat` inherits the read end and our stderr and outlives awsx.
            let _ = std::process::Command::new("cat")
                .stdin(std::process::Stdio::from(std::os::fd::OwnedFd::from(r)))
                .stdout(std::process::Stdio::from(
                    std::io::stderr()
                        .as_fd()
                        .try_clone_to_owned()
                        .unwrap_or_else(|_| {
                            std::os::fd::OwnedFd::from(
                                std::fs::File::open("/dev/null").expect("/dev/null"),
                            )
                        }),
                ))
                .stderr(std::process::Stdio::null())
                .spawn();
        }
        return;
    }
}

/// Copies aws's stderr to ours chunk by chunk, keeping a bounded copy.
fn tee(mut reader: os_pipe::PipeReader, shared: &Shared) {
    let mut buf = vec![0u8; 128 * 1024];
    // Our fd 2 as a plain file: no std lock per write, and the main thread can print the
    // report while this thread still waits on a pipe a helper keeps open.
    let mut out = std::mem::ManuallyDrop::new(unsafe {
        <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(2)
    });
    let mut out_ok = true;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                shared
                    .last_read_ms
                    .store(shared.start.elapsed().as_millis() as u64, Ordering::SeqCst);
                if out_ok {
                    // A closed or broken stderr on our side must not stop aws: keep
                    // draining the pipe, just stop writing.
                    shared.writing.store(true, Ordering::SeqCst);
                    out_ok = out.write_all(&buf[..n]).is_ok();
                    shared.writing.store(false, Ordering::SeqCst);
                }
                if let Ok(mut c) = shared.capture.lock() {
                    c.push(&buf[..n]);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
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
