//! Making text from AWS (or a log) safe to parse and to print.
//!
//! An error message is attacker-influenced text (a bucket policy, a tag value, a role
//! name): it must never reach the terminal with escape sequences intact.

/// Removes ANSI escape sequences (CSI, OSC) so that coloured logs parse like plain ones.
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('[') => {
                chars.next();
                // CSI: parameters and intermediates, then one final byte in @..~
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                chars.next();
                // OSC: up to BEL or ESC \
                while let Some(c) = chars.next() {
                    if c == '\u{7}' {
                        break;
                    }
                    if c == '\u{1b}' {
                        if chars.peek() == Some(&'\\') {
                            chars.next();
                        }
                        break;
                    }
                }
            }
            Some(_) => {
                chars.next();
            }
            None => {}
        }
    }
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
    fn ansi_colours_are_removed_for_parsing() {
        assert_eq!(
            strip_ansi("\u{1b}[31mError:\u{1b}[0m creating \u{1b}]8;;http://x\u{1b}\\link"),
            "Error: creating link"
        );
    }
}
