//! Running the real aws: inherit stdin/stdout, tee stderr, supervise signals.
//!
//! The child keeps the terminal (pagers, prompts, `ssm start-session` work); only stderr
//! goes through a pipe so that awsx can keep a bounded copy for diagnosis while writing
//! every chunk straight through as it arrives.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU8, AtomicU32, AtomicU64, Ordering};
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

/// Bit n set: fd n (0, 1, 2) was closed when awsx started. Recorded by `main` before std's
/// runtime init reopens closed standard fds on /dev/null (see `record_startup` there).
static STARTUP_CLOSED_FDS: AtomicU8 = AtomicU8::new(0);
/// SIGPIPE was ignored when awsx started (std's init then ignores it for awsx itself, and
/// std resets it to the default in every child).
static STARTUP_SIGPIPE_IGNORED: AtomicBool = AtomicBool::new(false);

/// Called once, before `main`, with what the process was given (see `main.rs`).
pub fn record_startup(closed_fds: u8, sigpipe_ignored: bool) {
    STARTUP_CLOSED_FDS.store(closed_fds & 0b111, Ordering::SeqCst);
    STARTUP_SIGPIPE_IGNORED.store(sigpipe_ignored, Ordering::SeqCst);
}

/// The standard fds that were closed when awsx started (bit n = fd n).
pub fn startup_closed_fds() -> u8 {
    STARTUP_CLOSED_FDS.load(Ordering::SeqCst)
}

/// Whether `sig` is ignored right now (awsx has not touched HUP/INT/QUIT/TERM before `run`,
/// so this is what awsx was started with).
fn ignored(sig: libc::c_int) -> bool {
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(sig, std::ptr::null(), &mut old) == 0 && old.sa_sigaction == libc::SIG_IGN
    }
}

/// What the child does between fork and exec (async-signal-safe: no allocation, no locks).
#[derive(Clone, Copy)]
struct ChildSetup {
    /// awsx's PID, to catch an awsx that died before PR_SET_PDEATHSIG took effect.
    parent: libc::pid_t,
    /// Sent to aws by the kernel if awsx dies first.
    death_signal: libc::c_int,
    /// Signals awsx installed handlers for (first `handled_len` entries).
    handled: [libc::c_int; 4],
    handled_len: usize,
    closed_fds: u8,
    sigpipe_ignored: bool,
}

fn child_setup(s: &ChildSetup) -> std::io::Result<()> {
    unsafe {
        // exec resets handled signals to the default anyway; doing it before
        // PR_SET_PDEATHSIG means a death signal arriving before exec kills this child
        // instead of running awsx's forwarding handler in it.
        for &sig in &s.handled[..s.handled_len] {
            libc::signal(sig, libc::SIG_DFL);
        }
        // std resets SIGPIPE to the default in children; a SIGPIPE awsx was started with
        // ignored stays ignored for aws, like the other ignored signals.
        if s.sigpipe_ignored {
            libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            // No aws outlives an awsx that was killed (SIGKILL, or a signal awsx does not
            // handle): the kernel signals aws when the thread that forked it exits. That
            // thread is awsx's main thread, which lives until awsx exits.
            libc::prctl(
                libc::PR_SET_PDEATHSIG,
                s.death_signal as libc::c_ulong,
                0,
                0,
                0,
            );
            // awsx died between fork and prctl: the death signal will never come.
            if libc::getppid() != s.parent {
                libc::_exit(128 + s.death_signal);
            }
        }
        // aws sees exactly the standard fds awsx was given: one that was closed is closed.
        for fd in 0..3 {
            if s.closed_fds & (1 << fd) != 0 {
                libc::close(fd);
            }
        }
    }
    Ok(())
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
    let closed_fds = startup_closed_fds();
    // A closed stderr stays closed for aws: no pipe, nothing to tee or diagnose (awsx's
    // own fd 2 is std's /dev/null stand-in).
    let pipe = if closed_fds & 0b100 != 0 {
        None
    } else {
        Some(os_pipe::pipe().context("creating the stderr pipe")?)
    };
    // A signal awsx was started with ignored (`nohup`, `cmd &` in a script) stays ignored:
    // no handler, so aws inherits SIG_IGN through exec, as it would without awsx.
    let saved: Vec<_> = SUPERVISED
        .iter()
        .filter(|&&(sig, _)| !ignored(sig))
        .map(|&(sig, fwd)| (sig, install(sig, fwd)))
        .collect();
    let mut setup = ChildSetup {
        parent: unsafe { libc::getpid() },
        // SIGTERM, not SIGKILL: it is what awsx forwards when it is asked to stop, aws's
        // default action for it is to exit, and aws (or a launcher that passes signals
        // on to a child process) can still clean up; SIGKILL could orphan such a child.
        // If awsx was started with SIGTERM ignored, aws ignores it too: then SIGKILL.
        death_signal: if ignored(libc::SIGTERM) {
            libc::SIGKILL
        } else {
            libc::SIGTERM
        },
        handled: [0; 4],
        handled_len: saved.len(),
        closed_fds,
        sigpipe_ignored: STARTUP_SIGPIPE_IGNORED.load(Ordering::SeqCst),
    };
    for (slot, (sig, _)) in setup.handled.iter_mut().zip(&saved) {
        *slot = *sig;
    }
    let mut expr = duct::cmd(aws, args)
        .env(crate::locate::GUARD_VAR, guard)
        .unchecked();
    let reader = match pipe {
        Some((reader, writer)) => {
            expr = expr.stderr_file(writer);
            Some(reader)
        }
        None => None,
    };
    let started = expr
        .before_spawn(move |cmd| {
            use std::os::unix::process::CommandExt;
            // SAFETY: child_setup only makes async-signal-safe calls.
            unsafe {
                cmd.pre_exec(move || child_setup(&setup));
            }
            Ok(())
        })
        .start();
    // duct's builders take `&self`: `expr` still owns the pipe's write end. Dropped here, or
    // EOF would never come from aws's side alone and every command would wait out the
    // quiet period after aws exits (a 500 ms regression, measured with /bin/true).
    drop(expr);
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
    let spare = reader.as_ref().and_then(|r| r.try_clone().ok());
    let done = reader.map(|reader| {
        let shared = Arc::clone(&shared);
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let spawned = std::thread::Builder::new()
            .name("tee".into())
            .spawn(move || {
                tee(reader, &shared);
                let _ = tx.send(());
            });
        spawned.ok().map(|_| rx)
    });

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
        // stderr was closed: nothing was piped.
        None => {}
        Some(Some(rx)) => wait_for_tee(&rx, &shared, spare),
        // No thread could be started: nothing was teed yet, copy here (aws has exited).
        Some(None) => {
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
    /// `cat` has the pipe now: the tee writes the chunk it holds and stops.
    handed_off: AtomicBool,
    start: Instant,
}

impl Shared {
    fn new(limit: usize) -> Shared {
        Shared {
            capture: Mutex::new(Capture::new(limit)),
            last_read_ms: AtomicU64::new(0),
            writing: AtomicBool::new(false),
            handed_off: AtomicBool::new(false),
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

static HANDOFF_PID: AtomicU32 = AtomicU32::new(0);

/// The `cat` that took over aws's stderr pipe after aws exited (0: none). It is meant to
/// outlive awsx; `helpers` leaves it alone.
pub fn handoff_pid() -> u32 {
    HANDOFF_PID.load(Ordering::SeqCst)
}

/// After aws exits: wait for the tee to reach EOF. Grandchildren (a pager, a plugin, a
/// browser started by `sso login`) may hold stderr open; once the pipe has been quiet for
/// a while, or at the latest [`MAX_WAIT`] after aws exited (a helper that writes often is
/// never quiet), and no write to our stderr is pending, hand it to `cat` and go on.
fn wait_for_tee(
    rx: &std::sync::mpsc::Receiver<()>,
    shared: &Shared,
    spare: Option<os_pipe::PipeReader>,
) {
    const QUIET: Duration = Duration::from_millis(500);
    // What aws itself wrote before exiting is in the pipe already and drains in
    // microseconds; anything later is a helper's, and `cat` passes that on just as well.
    const MAX_WAIT: Duration = Duration::from_millis(1500);
    let exited = Instant::now();
    loop {
        match rx.recv_timeout(Duration::from_millis(25)) {
            Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
        // A pending write is aws's output on its way to a slow reader: never cut it off.
        if shared.writing.load(Ordering::SeqCst) {
            continue;
        }
        if shared.idle() < QUIET && exited.elapsed() < MAX_WAIT {
            continue;
        }
        // From now on `cat` reads the pipe; the tee stops after the chunk it may be
        // blocked on (it writes that one: it was read, so only it can pass it on).
        shared.handed_off.store(true, Ordering::SeqCst);
        if let Some(r) = spare {
            // `cat` inherits the read end and our stderr and outlives awsx.
            let cat = std::process::Command::new("cat")
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
            if let Ok(cat) = cat {
                HANDOFF_PID.store(cat.id(), Ordering::SeqCst);
            }
        }
        return;
    }
}

/// Copies aws's stderr to ours chunk by chunk, keeping a bounded copy.
///
/// The copy (`Capture::push`: the tail and the marker scan) runs on a second thread, so
/// that this one does only what `cat` does, read and write: the chunk read is handed over
/// with its buffer (no copy), and buffers come back through a pool. A full queue makes
/// this thread wait for the capture, which bounds memory (≈ 4 MiB of chunks in flight).
fn tee(mut reader: os_pipe::PipeReader, shared: &Shared) {
    const CHUNK: usize = 128 * 1024;
    const IN_FLIGHT: usize = 32;
    // Our fd 2 as a plain file: no std lock per write, and the main thread can print the
    // report while this thread still waits on a pipe a helper keeps open.
    let mut out = std::mem::ManuallyDrop::new(unsafe {
        <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(2)
    });
    let push = |chunk: &[u8]| {
        if let Ok(mut c) = shared.capture.lock() {
            c.push(chunk);
        }
    };
    let (to_capture, chunks) = std::sync::mpsc::sync_channel::<(Vec<u8>, usize)>(IN_FLIGHT);
    let (to_pool, pool) = std::sync::mpsc::sync_channel::<Vec<u8>>(IN_FLIGHT + 2);
    std::thread::scope(|scope| {
        // If the thread cannot start, `chunks` is dropped with it and every send fails:
        // the chunk is then captured here.
        let _ = std::thread::Builder::new()
            .name("capture".into())
            .spawn_scoped(scope, move || {
                for (buf, n) in chunks {
                    push(&buf[..n]);
                    let _ = to_pool.try_send(buf);
                }
            });
        let mut out_ok = true;
        loop {
            let mut buf = pool.try_recv().unwrap_or_else(|_| vec![0u8; CHUNK]);
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            shared
                .last_read_ms
                .store(shared.start.elapsed().as_millis() as u64, Ordering::SeqCst);
            if out_ok {
                // A closed or broken stderr on our side must not stop aws: keep draining
                // the pipe, just stop writing.
                shared.writing.store(true, Ordering::SeqCst);
                out_ok = out.write_all(&buf[..n]).is_ok();
                shared.writing.store(false, Ordering::SeqCst);
            }
            if let Err(std::sync::mpsc::SendError((buf, n))) = to_capture.send((buf, n)) {
                push(&buf[..n]);
            }
            if shared.handed_off.load(Ordering::SeqCst) {
                break;
            }
        }
        // The capture thread drains what is queued and ends; the scope waits for it, so
        // the capture is complete when this function returns.
        drop(to_capture);
    });
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
