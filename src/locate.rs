//! Finding the real `aws` executable, and refusing to run ourselves.
//!
//! awsx is often installed or linked as `aws`, or reached through a wrapper
//! script named `aws`. Running "the first aws on PATH" blindly would then exec
//! awsx again, forever. Two guards: candidates that are this very binary (same
//! device and inode after following symlinks) are skipped, and an environment
//! guard set for the child catches loops through scripts that inode checks
//! cannot see.

use std::ffi::{OsStr, OsString};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Environment variable awsx sets for the aws it runs: `<depth>:<aws path>:<argv hash>`.
pub const GUARD_VAR: &str = "AWSX_LOOP_GUARD";
/// A deeper nesting than this is a loop whatever the arguments say.
const MAX_DEPTH: u32 = 4;

#[derive(Debug)]
pub enum LocateError {
    NotFound,
    IsSelf(PathBuf),
    Loop(PathBuf),
}

impl std::fmt::Display for LocateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LocateError::NotFound => write!(
                f,
                "awsx: cannot find the aws CLI: no `aws` on PATH other than awsx itself (set AWSX_AWS_CLI=/path/to/aws)"
            ),
            LocateError::IsSelf(p) => write!(
                f,
                "awsx: AWSX_AWS_CLI={} is awsx itself; point it at the real aws CLI",
                p.display()
            ),
            LocateError::Loop(p) => write!(
                f,
                "awsx: loop detected: {} runs awsx again with the same arguments; set AWSX_AWS_CLI to the real aws CLI",
                p.display()
            ),
        }
    }
}

fn identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// The aws to run: `AWSX_AWS_CLI`, else the first `aws` on PATH that is not awsx.
pub fn find_aws(configured: Option<OsString>) -> Result<PathBuf, LocateError> {
    let me = std::env::current_exe().ok().and_then(|p| identity(&p));
    if let Some(conf) = configured.filter(|c| !c.is_empty()) {
        let path = if Path::new(&conf).components().count() > 1 {
            PathBuf::from(&conf)
        } else {
            which::which(&conf).map_err(|_| LocateError::NotFound)?
        };
        if me.is_some() && identity(&path) == me {
            return Err(LocateError::IsSelf(path));
        }
        return Ok(path);
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let paths = std::env::var_os("PATH").unwrap_or_default();
    let found = which::which_in_all(OsStr::new("aws"), Some(paths), cwd)
        .map_err(|_| LocateError::NotFound)?
        .find(|candidate| me.is_none() || identity(candidate) != me);
    found.ok_or(LocateError::NotFound)
}

/// FNV-1a over the argv bytes: cheap, stable, and enough to tell "same command again".
fn argv_hash(args: &[OsString]) -> u64 {
    use std::os::unix::ffi::OsStrExt;
    let mut h: u64 = 0xcbf29ce484222325;
    for a in args {
        for b in a.as_bytes().iter().chain(std::iter::once(&0u8)) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}

/// Checks the guard inherited from a parent awsx and returns the guard value for our child.
///
/// A loop is the same aws path asked to run the same argv again (a wrapper script named
/// `aws` that calls awsx), or nesting deeper than [`MAX_DEPTH`]. An aws that legitimately
/// runs `aws` again with other arguments (a `credential_process`, say) is not a loop.
pub fn guard(
    inherited: Option<OsString>,
    aws: &Path,
    args: &[OsString],
) -> Result<String, LocateError> {
    let hash = argv_hash(args);
    let mut depth = 0;
    if let Some(value) = inherited.and_then(|v| v.into_string().ok()) {
        let mut parts = value.splitn(3, ':');
        depth = parts
            .next()
            .and_then(|d| d.parse::<u32>().ok())
            .unwrap_or(0);
        let parent_hash = parts.next().unwrap_or("");
        let parent_path = parts.next().unwrap_or("");
        let same = parent_path == aws.to_string_lossy() && parent_hash == format!("{hash:016x}");
        if same || depth >= MAX_DEPTH {
            return Err(LocateError::Loop(aws.to_path_buf()));
        }
    }
    Ok(format!(
        "{}:{hash:016x}:{}",
        depth + 1,
        aws.to_string_lossy()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn same_command_through_same_aws_is_a_loop() {
        let aws = Path::new("/usr/local/bin/aws");
        let a = args(&["s3", "ls"]);
        let g = guard(None, aws, &a).unwrap();
        assert!(g.starts_with("1:"));
        assert!(matches!(
            guard(Some(g.into()), aws, &a),
            Err(LocateError::Loop(_))
        ));
    }

    #[test]
    fn nested_aws_with_other_args_is_allowed_until_depth_limit() {
        let aws = Path::new("/usr/bin/aws");
        let mut g = guard(None, aws, &args(&["s3", "ls"])).unwrap();
        for i in 0..3 {
            g = guard(Some(g.into()), aws, &args(&["configure", &i.to_string()])).unwrap();
        }
        assert!(g.starts_with("4:"));
        assert!(guard(Some(g.into()), aws, &args(&["x"])).is_err());
    }
}
