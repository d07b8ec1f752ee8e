//! Processes the look-ups start (a profile's `credential_process`, run by aws-config as
//! `sh -c …`) end with the diagnosis: none outlives awsx (issue 16, item 12).
//!
//! aws-config does not kill a `credential_process` whose future was dropped at the
//! deadline, and the process may have children of its own. So for the length of a
//! diagnosis awsx is a child subreaper (orphans of its descendants come back to it rather
//! than to init), and when the diagnosis ends every descendant still running is ended:
//! SIGTERM, a short grace, then SIGKILL. aws has exited before any look-up starts, so its
//! own leftovers (a pager, a browser from `sso login`) are not awsx's descendants any more
//! and are left alone, as plain aws leaves them; so is the `cat` that drains a pipe a
//! helper of aws still holds (`run::handoff_pid`).

use std::future::Future;
use std::time::{Duration, Instant};

/// Runs the look-ups of one awsx command on a current-thread runtime, then ends whatever
/// processes they left (see the module). The runtime is shut down without waiting for
/// what the deadline abandoned (a blocked DNS resolution): the deadline is the deadline.
pub fn block_on<F: Future>(work: F) -> std::io::Result<F::Output> {
    let helpers = Helpers::adopt();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let out = rt.block_on(work);
    rt.shutdown_background();
    drop(helpers);
    Ok(out)
}

/// Ends the look-ups' processes when dropped. Create one before the runtime that runs the
/// look-ups, drop it after the runtime has been shut down.
pub struct Helpers {
    active: bool,
}

impl Helpers {
    pub fn adopt() -> Helpers {
        #[cfg(target_os = "linux")]
        let active = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 };
        #[cfg(not(target_os = "linux"))]
        let active = false;
        Helpers { active }
    }
}

impl Drop for Helpers {
    fn drop(&mut self) {
        if !self.active {
            return;
        }
        end_descendants(&[crate::run::handoff_pid()], Duration::from_millis(150));
        #[cfg(target_os = "linux")]
        unsafe {
            libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
        }
    }
}

/// SIGTERM to every descendant of awsx outside the subtrees of `keep`, up to `grace` for
/// them to go, then SIGKILL to what is left; reaps what it ended.
fn end_descendants(keep: &[u32], grace: Duration) {
    let mut signalled = false;
    let start = Instant::now();
    loop {
        let pids = descendants(std::process::id(), keep);
        reap();
        if pids.is_empty() {
            return;
        }
        let sig = if !signalled {
            libc::SIGTERM
        } else if start.elapsed() >= grace {
            libc::SIGKILL
        } else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        for &p in &pids {
            unsafe { libc::kill(p as libc::pid_t, sig) };
        }
        signalled = true;
        if sig == libc::SIGKILL {
            // Give the kernel a moment, reap, and stop: a process that survives SIGKILL is
            // not one awsx can do anything about.
            std::thread::sleep(Duration::from_millis(5));
            reap();
            return;
        }
    }
}

/// Reaps every child of awsx that has exited (never blocks).
fn reap() {
    loop {
        let mut status = 0;
        let r = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if r <= 0 {
            return;
        }
    }
}

/// Live descendants of `root` (zombies excluded), leaving out the subtrees of `keep`.
fn descendants(root: u32, keep: &[u32]) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut parent_of: Vec<(u32, u32)> = Vec::new();
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        if let Some((state, ppid)) = state_and_parent(&stat)
            && state != 'Z'
            && state != 'X'
        {
            parent_of.push((pid, ppid));
        }
    }
    let mut found = Vec::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for &(child, ppid) in &parent_of {
            if ppid == p && !keep.contains(&child) && !found.contains(&child) {
                found.push(child);
                frontier.push(child);
            }
        }
    }
    found
}

/// The state letter and parent PID from a `/proc/PID/stat` line. The command name is in
/// parentheses and may itself hold spaces and parentheses, so read after the last `)`.
fn state_and_parent(stat: &str) -> Option<(char, u32)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut f = rest.split_whitespace();
    let state = f.next()?.chars().next()?;
    let ppid = f.next()?.parse().ok()?;
    Some((state, ppid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_state_and_parent_after_a_tricky_name() {
        let stat = "4242 (sh) x) (y) S 17 4242 4242 0 -1 4194560 ...";
        assert_eq!(state_and_parent(stat), Some(('S', 17)));
        assert_eq!(state_and_parent("garbage"), None);
    }
}
