//! A bounded copy of aws's stderr: the tail, plus the error lines that scrolled out of it.
//!
//! `aws --debug` can write hundreds of megabytes; diagnosis needs the final error and any
//! line that carried an AWS error code or an encoded authorization message, not the rest.

use std::sync::LazyLock;

use memchr::memmem;

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
            // Cut at a line start so no error line is split between the two parts.
            let cut = match memchr::memrchr(b'\n', &self.tail[..cut]) {
                Some(nl) => nl + 1,
                None => cut,
            };
            let dropped = std::mem::take(&mut self.tail);
            self.keep_error_lines(&dropped[..cut]);
            self.tail = dropped;
            self.tail.drain(..cut);
        }
    }

    fn keep_error_lines(&mut self, dropped: &[u8]) {
        // SIMD substring search per marker (memchr's memmem) is several times faster here
        // than one multi-pattern automaton: the markers share common bytes with log noise.
        static FINDERS: LazyLock<Vec<memmem::Finder<'static>>> = LazyLock::new(|| {
            MARKERS
                .iter()
                .map(|m| memmem::Finder::new(m.as_bytes()))
                .collect()
        });
        for finder in FINDERS.iter() {
            for pos in finder.find_iter(dropped) {
                if self.kept.len() >= MAX_KEPT_LINES {
                    return;
                }
                let start = memchr::memrchr(b'\n', &dropped[..pos]).map_or(0, |i| i + 1);
                let end = memchr::memchr(b'\n', &dropped[pos..]).map_or(dropped.len(), |i| pos + i);
                let line = &dropped[start..end.min(start + MAX_KEPT_LINE)];
                if !self.kept.iter().any(|k| k == line) {
                    self.kept.push(line.to_vec());
                }
            }
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
}
