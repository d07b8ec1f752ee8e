//! Writing `AWSX_REPORT_FILE`: atomically, owner-only, never through a link, never blocking.
//!
//! The report goes to a new temporary file in the same folder (created exclusively, mode
//! 0600, so it is never a file someone else prepared), which is then renamed over the
//! path. Readers see the old report or the new one, never a mix (concurrent awsx runs
//! included); `rename` replaces the directory entry and never opens or follows what was
//! there. A final path that exists and is not a regular file (a symbolic link, a FIFO, a
//! directory, a device) is refused with one line: awsx does not write through links, and a
//! FIFO would block it.

use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// Writes `contents` to `path` as described in the module documentation.
pub fn write(path: &Path, contents: &[u8]) -> Result<(), String> {
    refuse_non_regular(path)?;
    let name = path
        .file_name()
        .ok_or_else(|| "the path names no file".to_string())?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let (tmp, mut file) = create_temp(&dir, name)?;
    let written = file
        .write_all(contents)
        .and_then(|()| {
            if std::env::var_os("AWSX_REPORT_FILE_FSYNC").is_some_and(|v| v == "1") {
                file.sync_all()
            } else {
                Ok(())
            }
        })
        .map_err(|e| format!("writing {}: {e}", tmp.display()));
    drop(file);
    let renamed = written.and_then(|()| {
        // Checked again just before the rename: a link or FIFO that appeared meanwhile is
        // still not written through (the rename would only replace it, but refuse anyway).
        refuse_non_regular(path)?;
        std::fs::rename(&tmp, path).map_err(|e| e.to_string())
    });
    if renamed.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    renamed
}

/// The environment's `AWSX_REPORT_FILE`, if set: writes `contents()` there, and says in one
/// line on stderr when it could not.
pub fn write_from_env(contents: impl FnOnce() -> String) {
    let Some(path) = std::env::var_os("AWSX_REPORT_FILE").filter(|p| !p.is_empty()) else {
        return;
    };
    let path = PathBuf::from(path);
    if let Err(e) = write(&path, contents().as_bytes()) {
        let shown = crate::sanitize::inert_line(&path.to_string_lossy());
        eprintln!(
            "awsx: AWSX_REPORT_FILE {shown} not written: {}",
            crate::sanitize::inert_line(&e)
        );
    }
}

fn refuse_non_regular(path: &Path) -> Result<(), String> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.to_string()),
    };
    let t = meta.file_type();
    let what = if t.is_file() {
        return Ok(());
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else {
        "not a regular file"
    };
    Err(format!(
        "it is {what} (awsx writes only regular files, and never through links)"
    ))
}

/// A new file `.NAME.awsx-PID-N.tmp` in `dir`, created exclusively with mode 0600.
fn create_temp(dir: &Path, name: &OsStr) -> Result<(PathBuf, std::fs::File), String> {
    static N: AtomicU32 = AtomicU32::new(0);
    let mut last = None;
    for _ in 0..16 {
        let n = N.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".awsx-{}-{n}-{nanos:x}.tmp", std::process::id()));
        let tmp = dir.join(tmp_name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => {
                return Err(format!(
                    "creating a temporary file in {}: {e}",
                    dir.display()
                ));
            }
        }
    }
    Err(format!(
        "creating a temporary file in {}: {}",
        dir.display(),
        last.map(|e| e.to_string()).unwrap_or_default()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn replaces_a_regular_file_with_mode_0600_and_leaves_no_temp() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("r.json");
        std::fs::write(&p, "old").unwrap();
        write(&p, b"{}\n").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "{}\n");
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_links_and_directories() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("target");
        std::fs::write(&target, "keep").unwrap();
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(write(&link, b"x").unwrap_err().contains("symbolic link"));
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
        assert!(write(d.path(), b"x").is_err());
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 2);
    }
}
