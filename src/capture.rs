//! A bounded copy of aws's stderr: the tail, plus the error lines that scrolled out of it.
//!
//! `aws --debug` can write hundreds of megabytes; diagnosis needs the final error and any
//! line that carried an AWS error code or an encoded authorization message, not the rest.

use std::io::Read;
use std::sync::LazyLock;

use anyhow::{Context, Result, bail};

const MARKERS: [&str; 5] = [
    "An error occurred (",
    "Encoded authorization failure message",
    "A client error (",
    "fatal error:",
    " failed: ",
];
const MAX_KEPT_LINES: usize = 32;
const MAX_KEPT_LINE: usize = 16 * 1024;

#[derive(Debug, Default)]
pub struct Capture {
    limit: usize,
    tail: Vec<u8>,
    kept: Vec<Vec<u8>>,
    total: u64,
}

impl Capture {
    pub fn new(limit: usize) -> Self {
        Capture {
            limit: limit.max(1024),
            tail: Vec::new(),
            kept: Vec::new(),
            total: 0,
        }
    }

    pub fn push(&mut self, chunk: &[u8]) {
        self.total += chunk.len() as u64;
        self.tail.extend_from_slice(chunk);
        // Trim only when four times over the limit: the bytes kept are moved once per
        // three limits' worth of input, so the copy stays a fraction of the stream.
        if self.tail.len() > 4 * self.limit {
            let cut = self.tail.len() - self.limit;
            // Cut at a line start so no error line is split between the two parts, looking
            // back at most one limit: every trim then drops at least two limits' worth, so
            // a stream of long lines stays linear.
            let back = cut.saturating_sub(self.limit);
            let cut = match memchr::memrchr(b'\n', &self.tail[back..cut]) {
                Some(nl) => back + nl + 1,
                None => cut,
            };
            let dropped = std::mem::take(&mut self.tail);
            self.keep_error_lines(&dropped[..cut]);
            self.tail = dropped;
            self.tail.drain(..cut);
        }
    }

    /// Keeps the lines of `dropped` that carry a marker. Linear in `dropped`: the search
    /// resumes after the end of the line it last kept, and looks for the line's start only
    /// back to where it resumed, so a long line full of markers is scanned once, not once
    /// per occurrence.
    fn keep_error_lines(&mut self, dropped: &[u8]) {
        // One pass with all markers: the regex crate searches an alternation of literals
        // with a SIMD multi-substring prefilter (Teddy), measured 4× faster than one memmem
        // pass per marker on `aws --debug` lines (100 vs 430 ms for 256 MiB).
        static MARKER: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
            let alternation: Vec<String> = MARKERS.iter().map(|m| regex::escape(m)).collect();
            regex::bytes::Regex::new(&alternation.join("|")).expect("marker alternation")
        });
        // `from` is always a line start (0 or just after a newline).
        let mut from = 0;
        while from < dropped.len() {
            if self.kept.len() >= MAX_KEPT_LINES {
                return;
            }
            let Some(m) = MARKER.find_at(dropped, from) else {
                break;
            };
            let pos = m.start();
            let start = memchr::memrchr(b'\n', &dropped[from..pos]).map_or(from, |i| from + i + 1);
            let end = memchr::memchr(b'\n', &dropped[pos..]).map_or(dropped.len(), |i| pos + i);
            // A line longer than the limit: keep the part around the marker (what
            // follows it is the message), not the line's first bytes.
            let first = if end - start > MAX_KEPT_LINE {
                pos.saturating_sub(MAX_KEPT_LINE / 8).max(start)
            } else {
                start
            };
            let line = &dropped[first..end.min(first + MAX_KEPT_LINE)];
            if !self.kept.iter().any(|k| k == line) {
                self.kept.push(line.to_vec());
            }
            from = end + 1;
        }
    }

    /// Total bytes aws wrote, including what was not kept.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The text to classify: kept error lines, then the tail.
    pub fn text(&self) -> String {
        let mut out = Vec::with_capacity(self.tail.len() + 1024);
        for line in &self.kept {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
        out.extend_from_slice(&self.tail);
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// Reads FILE, `-` or stdin to the end in bounded memory (the tail plus the error lines
/// that scrolled out of it, as in wrap mode: `capture::Capture`), refusing binary input
/// and empty input with one line.
pub fn read_input(file: Option<&str>) -> Result<String> {
    /// The window kept: inputs up to 4 × this are classified whole.
    const WINDOW: usize = 4 * 1024 * 1024;
    /// Read size, and the unit the binary check looks at.
    const CHUNK: usize = 64 * 1024;
    let (mut reader, what): (Box<dyn Read>, String) = match file {
        None | Some("-") => (Box::new(std::io::stdin().lock()), "stdin".to_string()),
        Some(path) => {
            let f = std::fs::File::open(path).with_context(|| format!("cannot open {path}"))?;
            (Box::new(f), path.to_string())
        }
    };
    let mut capture = Capture::new(WINDOW);
    let mut buf = vec![0u8; CHUNK];
    let mut filled = 0;
    let mut offset: u64 = 0;
    let mut blank = true;
    loop {
        // Fill whole chunks so that the binary check sees the same units whatever the
        // reads return (a pipe gives 4–64 KiB at a time).
        let n = match reader.read(&mut buf[filled..]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).with_context(|| format!("reading {what}")),
        };
        filled += n;
        if filled < CHUNK && n != 0 {
            continue;
        }
        let chunk = &buf[..filled];
        if let Some(why) = binary(chunk, offset == 0) {
            bail!(
                "{} is not text ({why} in bytes {offset}–{}): give an error text as FILE or on stdin",
                crate::sanitize::inert_line(&what),
                offset + chunk.len() as u64
            );
        }
        blank = blank && chunk.iter().all(|b| b.is_ascii_whitespace());
        capture.push(chunk);
        offset += filled as u64;
        filled = 0;
        if n == 0 {
            break;
        }
    }
    if blank {
        bail!("empty input: give an error text as FILE or on stdin");
    }
    Ok(capture.text())
}

/// Why a chunk of input is binary, if it is: NUL bytes (any in the first 8 KiB, as git and
/// grep decide; more than 1% later), or more than 30% of its bytes in invalid UTF-8.
fn binary(chunk: &[u8], first: bool) -> Option<&'static str> {
    let head = &chunk[..chunk.len().min(8192)];
    let nuls = memchr::memchr_iter(0, chunk).count();
    if (first && memchr::memchr(0, head).is_some()) || nuls * 100 > chunk.len() {
        return Some("NUL bytes");
    }
    let mut invalid = 0;
    let mut rest = chunk;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(_) => break,
            Err(e) => {
                // A character cut at the chunk's end is not invalid.
                let Some(len) = e.error_len() else { break };
                invalid += len;
                rest = &rest[e.valid_up_to() + len..];
            }
        }
    }
    (invalid * 10 > chunk.len() * 3).then_some("mostly invalid UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_bounded_and_error_lines_survive() {
        let mut c = Capture::new(4096);
        c.push(b"\nAn error occurred (Throttling) when calling the X operation: Rate exceeded\n");
        for _ in 0..10_000 {
            c.push(b"2026-11-30 DEBUG botocore.endpoint some noisy debug line\n");
        }
        c.push(b"\nAn error occurred (AccessDenied) when calling the Y operation: no\n");
        assert!(c.tail.len() <= 4 * 4096 + 100);
        let t = c.text();
        assert!(t.contains("(Throttling)"));
        assert!(t.contains("(AccessDenied)"));
        assert!(c.total() > 500_000);
    }

    #[test]
    fn a_long_line_full_of_markers_is_linear() {
        // 16 MiB without a newline, full of markers (issue 16: 7.8 s before; the debug
        // build of this test takes well under a second now).
        let unit = b"An error occurred (AccessDenied) x ";
        let mut data = Vec::with_capacity(16 << 20);
        while data.len() < 16 << 20 {
            data.extend_from_slice(unit);
        }
        let started = std::time::Instant::now();
        let mut c = Capture::new(256 * 1024);
        c.push(b"start\n");
        for chunk in data.chunks(128 * 1024) {
            c.push(chunk);
        }
        let took = started.elapsed();
        assert!(took < std::time::Duration::from_secs(3), "{took:?}");
        assert!(c.kept.len() <= MAX_KEPT_LINES);
        assert!(c.kept.iter().all(|k| k.len() <= MAX_KEPT_LINE));
        assert!(c.text().contains("An error occurred (AccessDenied)"));
    }

    #[test]
    fn a_long_line_keeps_the_part_around_its_marker() {
        let mut c = Capture::new(1024);
        let mut line = vec![b'x'; 100_000];
        line.extend_from_slice(b" An error occurred (Throttling) when calling the X operation");
        line.extend_from_slice(&[b'y'; 100_000]);
        line.push(b'\n');
        c.push(&line);
        c.push(&vec![b'z'; 10_000]);
        assert!(
            c.kept
                .iter()
                .any(|k| k.windows(20).any(|w| w == b"occurred (Throttling"))
        );
    }
}
