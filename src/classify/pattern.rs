//! Compiling the classifier's patterns with ASCII classes.
//!
//! The error texts are matched on ASCII structure (codes, ARNs, operation names). Unicode
//! `\w`, `\s`, `\d` and `\b` made the patterns' automata large: building them cost ~30 ms
//! per failed command (measured with hyperfine, `AWSX_DIAGNOSE=offline` vs `off`).
//! Rewriting them to their ASCII forms keeps the patterns readable and the start-up cheap.

use regex::Regex;

/// `pattern` with `\w \s \S \d \b \B` rewritten to ASCII classes, compiled.
pub fn re(pattern: &str) -> Regex {
    let ascii = ascii(pattern);
    // Case-insensitive matching of ASCII words needs no Unicode case folding tables; a
    // pattern that could then match non-UTF-8 is refused by the regex crate, and keeps
    // Unicode folding.
    if let Some(rest) = ascii.strip_prefix("(?i)")
        && let Ok(r) = Regex::new(&format!("(?i-u){rest}"))
    {
        return r;
    }
    Regex::new(&ascii).expect("static regex")
}

fn ascii(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 32);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(e) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let rewritten = match (e, in_class) {
                    ('w', false) => "[0-9A-Za-z_]",
                    ('w', true) => "0-9A-Za-z_",
                    ('d', false) => "[0-9]",
                    ('d', true) => "0-9",
                    ('s', false) => r"[\t\n\x0B\x0C\r ]",
                    ('s', true) => r"\t\n\x0B\x0C\r ",
                    ('S', false) => r"[^\t\n\x0B\x0C\r ]",
                    ('b', false) => r"(?-u:\b)",
                    ('B', false) => r"(?-u:\B)",
                    _ => {
                        out.push('\\');
                        out.push(e);
                        continue;
                    }
                };
                out.push_str(rewritten);
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // A leading `^` and `]` belong to the class.
                if chars.peek() == Some(&'^') {
                    out.push(chars.next().unwrap_or('^'));
                }
                if chars.peek() == Some(&']') {
                    out.push(chars.next().unwrap_or(']'));
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_become_ascii_and_still_match() {
        assert_eq!(
            ascii(r"\w+:[\w.-]+\s\S"),
            r"[0-9A-Za-z_]+:[0-9A-Za-z_.-]+[\t\n\x0B\x0C\r ][^\t\n\x0B\x0C\r ]"
        );
        assert_eq!(
            ascii(r"[^\s'\x22]\b\.\\"),
            r"[^\t\n\x0B\x0C\r '\x22](?-u:\b)\.\\"
        );
        let r = re(r"\b(\w+): (\S+)\s*$");
        let c = r
            .captures("x AccessDenied: arn:aws:iam::1:user/a  ")
            .unwrap();
        assert_eq!((&c[1], &c[2]), ("AccessDenied", "arn:aws:iam::1:user/a"));
        // Non-ASCII text still flows through `[^…]` classes.
        assert!(re(r"message: ([^\n]*)").is_match("message: ünïcode"));
    }
}
