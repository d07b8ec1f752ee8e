//! Making text from AWS (or a log) safe to parse and to print.
//!
//! An error message is attacker-influenced text (a bucket policy, a tag value, a role
//! name): it must never reach the terminal with escape sequences intact.

/// Removes SGR colour sequences (`ESC [ … m`) so that coloured logs (Terraform, CI) parse
/// like plain ones. Every other escape is kept, so that `inert` shows it: an escape in an
/// AWS message is a fact worth seeing, not something to hide.
pub fn strip_ansi(text: &str) -> String {
    if !text.contains('\u{1b}') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('\u{1b}') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let sgr_len = after.strip_prefix('[').and_then(|p| {
            let n = p.find(|c: char| !(c.is_ascii_digit() || c == ';'))?;
            (p[n..].starts_with('m')).then_some(n + 2)
        });
        match sgr_len {
            Some(n) => rest = &after[n..],
            None => {
                out.push('\u{1b}');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Text safe to print on a terminal: every control character except newline and tab is
/// shown as a visible escape (`\x1b`), so nothing AWS returned can drive the terminal.
pub fn inert(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {
                let code = c as u32;
                if code <= 0xff {
                    out.push_str(&format!("\\x{code:02x}"));
                } else {
                    out.push_str(&format!("\\u{{{code:x}}}"));
                }
            }
            // Bidirectional overrides can reorder what the reader sees.
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// One line, inert: for headlines and single facts.
pub fn inert_line(text: &str) -> String {
    inert(text.trim()).replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_made_visible() {
        let s = inert("Access \u{1b}]0;pwned\u{7}Denied\u{1b}[2J\r");
        assert!(!s.chars().any(|c| c.is_control()));
        assert!(s.contains("\\x1b]0;pwned\\x07Denied\\x1b[2J\\x0d"));
    }

    #[test]
    fn colours_are_removed_for_parsing_other_escapes_kept() {
        assert_eq!(
            strip_ansi("\u{1b}[31;1mError:\u{1b}[0m creating\u{1b}[m"),
            "Error: creating"
        );
        assert_eq!(
            strip_ansi("a\u{1b}]0;t\u{7}b\u{1b}[2J"),
            "a\u{1b}]0;t\u{7}b\u{1b}[2J"
        );
    }
}
