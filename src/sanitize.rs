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

/// Invisible or reordering format characters that are not `char::is_control` but can make
/// an ARN, a policy or a command read differently from what it is: zero-width characters
/// and joiners, direction marks and embeddings/overrides/isolates, line and paragraph
/// separators, the soft hyphen, invisible operators, the byte order mark, interlinear
/// annotations. Inclusive ranges. The one list for the text and the JSON renderers.
pub const INVISIBLE: [(char, char); 10] = [
    ('\u{00ad}', '\u{00ad}'),   // soft hyphen
    ('\u{061c}', '\u{061c}'),   // Arabic letter mark
    ('\u{180e}', '\u{180e}'),   // Mongolian vowel separator
    ('\u{200b}', '\u{200f}'),   // zero width space, non-joiner, joiner; LRM, RLM
    ('\u{2028}', '\u{202e}'),   // line/paragraph separator; LRE RLE PDF LRO RLO
    ('\u{2060}', '\u{2064}'),   // word joiner, invisible operators
    ('\u{2066}', '\u{206f}'),   // LRI RLI FSI PDI; deprecated format characters
    ('\u{feff}', '\u{feff}'),   // zero width no-break space (BOM)
    ('\u{fff9}', '\u{fffb}'),   // interlinear annotation
    ('\u{e0001}', '\u{e0001}'), // language tag
];

/// Whether `c` must not reach a reader raw: a control character (C0, DEL, C1) other than
/// newline and tab, or one of [`INVISIBLE`].
pub fn is_dangerous(c: char) -> bool {
    if c == '\n' || c == '\t' {
        return false;
    }
    c.is_control() || INVISIBLE.iter().any(|&(lo, hi)| (lo..=hi).contains(&c))
}

/// Text safe to print on a terminal: every dangerous character ([`is_dangerous`]) is shown
/// as a visible escape (`\x1b`, `\u{200b}`), so nothing AWS returned can drive the
/// terminal or hide in an ARN.
pub fn inert(text: &str) -> String {
    if !text.chars().any(is_dangerous) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !is_dangerous(c) {
            out.push(c);
            continue;
        }
        let code = c as u32;
        if code <= 0xff {
            out.push_str(&format!("\\x{code:02x}"));
        } else {
            out.push_str(&format!("\\u{{{code:x}}}"));
        }
    }
    out
}

/// Serialized JSON made safe for a terminal with the same list as [`inert`]: serde_json
/// escapes only C0 controls inside strings, so DEL, C1 controls and [`INVISIBLE`]
/// characters are written as `\uXXXX` escapes (the JSON value is unchanged). Newlines and
/// tabs outside strings (pretty-printing) are kept.
pub fn inert_json(raw: &str) -> String {
    if !raw.chars().any(is_dangerous) {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len() + 16);
    for c in raw.chars() {
        if !is_dangerous(c) {
            out.push(c);
            continue;
        }
        let mut units = [0u16; 2];
        for u in c.encode_utf16(&mut units) {
            out.push_str(&format!("\\u{:04x}", u));
        }
    }
    out
}

/// What replaces a secret in awsx's output.
pub const REDACTED: &str = "<redacted>";

/// Environment variables whose values are secrets: their exact values never appear in
/// awsx's output.
const SECRET_VARS: [&str; 3] = [
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
];

/// Shorter values are not redacted by value (they would blank common words); real secret
/// keys are 40 characters, session tokens hundreds.
const MIN_SECRET_LEN: usize = 12;

/// Removes credentials from text awsx prints or writes (the report, the report file):
/// the current environment's secret values (as they are, and percent-encoded as in a
/// presigned URL), then known secret shapes: `X-Amz-Security-Token=…`,
/// `X-Amz-Signature=…`, `Signature=…` of an `AWS4-HMAC-SHA256` Authorization header,
/// `aws_secret_access_key = …`, `AWS_SESSION_TOKEN=…`, `"SecretAccessKey": "…"`,
/// `<SessionToken>…</SessionToken>` and the like (JSON-escaped quotes included). Each
/// secret becomes `<redacted>`.
///
/// Access key IDs (`AKIA…`, `ASIA…`) are kept: they are not secret (every request carries
/// them in clear, CloudTrail logs them), and they tell the reader which key was used or
/// must be rotated; the report already names the caller's ARN and account.
pub fn redact(text: &str) -> String {
    let values: Vec<String> = SECRET_VARS
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .map(|v| v.trim().to_string())
        .filter(|v| v.len() >= MIN_SECRET_LEN)
        .collect();
    redact_with(text, &values)
}

/// [`redact`] with the secret values given (for tests).
pub fn redact_with(text: &str, secrets: &[String]) -> String {
    use std::borrow::Cow;
    use std::sync::LazyLock;
    static SHAPES: LazyLock<regex::Regex> = LazyLock::new(|| {
        // name, then an optional closing quote (maybe JSON-escaped), a separator (`=`, `:`,
        // `>` of an XML tag) with spaces, an optional opening quote (maybe `b'` or escaped),
        // then the value up to a delimiter.
        regex::Regex::new(
            r#"(?i)((?:x-amz-security-token|x-amz-signature|aws_secret_access_key|aws_session_token|aws_security_token|secret_access_key|secretaccesskey|session_token|sessiontoken|securitytoken|security_token)(?:\\?["'])?[ \t]*(?:[:=]|>)[ \t]*(?:b?\\?["'])?)([^\s"'\\&,;<>)}\]]+)"#,
        )
        .expect("secret shapes")
    });
    static SIGNATURE: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r#"(?i)(\bsignature(?:\\?["'])?[ \t]*[:=][ \t]*(?:\\?["'])?)([0-9a-f]{16,})"#,
        )
        .expect("signature shape")
    });
    let mut out: Cow<str> = Cow::Borrowed(text);
    for s in secrets {
        if s.len() < MIN_SECRET_LEN {
            continue;
        }
        let encoded: String =
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        for form in [s.as_str(), encoded.as_str()] {
            // A replacement cannot create a new occurrence unless the secret overlaps the
            // marker itself; a few rounds settle even that.
            for _ in 0..4 {
                if !out.contains(form) {
                    break;
                }
                out = Cow::Owned(out.replace(form, REDACTED));
            }
        }
    }
    let out = match SHAPES.replace_all(&out, |c: &regex::Captures| {
        if &c[2] == REDACTED.trim_matches(['<', '>']) {
            c[0].to_string()
        } else {
            format!("{}{REDACTED}", &c[1])
        }
    }) {
        Cow::Borrowed(_) => out.into_owned(),
        Cow::Owned(o) => o,
    };
    match SIGNATURE.replace_all(&out, format!("${{1}}{REDACTED}").as_str()) {
        Cow::Borrowed(_) => out,
        Cow::Owned(o) => o,
    }
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

    /// Every code point issue 16 lists, and the rest of the list.
    const LISTED: [char; 23] = [
        '\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}', '\u{200e}', '\u{200f}',
        '\u{061c}', '\u{2028}', '\u{2029}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}',
        '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{00ad}', '\u{180e}',
        '\u{85}', '\u{7f}',
    ];

    #[test]
    fn invisible_and_direction_marks_are_made_visible() {
        for c in LISTED {
            let arn = format!("arn:aws:iam::123456789012:role/ad{c}min");
            let s = inert(&arn);
            assert!(!s.contains(c), "{:x} left raw", c as u32);
            assert!(s.contains(&format!("{:x}", c as u32)), "{s}");
            let j = inert_json(&serde_json::Value::String(arn.clone()).to_string());
            assert!(!j.contains(c), "{:x} left raw in JSON", c as u32);
            let back: String = serde_json::from_str(&j).unwrap();
            assert_eq!(back, arn, "the JSON value is unchanged");
        }
        assert_eq!(inert("a\tb\nc é ü 東"), "a\tb\nc é ü 東");
    }

    const KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    #[test]
    fn known_secret_shapes_are_redacted() {
        let cases = [
            "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEHoa%2FFAKE%3D&X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef&x=1",
            "aws_secret_access_key = SECRETVALUE123/abc+def",
            "export AWS_SECRET_ACCESS_KEY=SECRETVALUE123/abc+def",
            "AWS_SESSION_TOKEN='SECRETVALUE123/abc+def'",
            r#"{"AccessKeyId": "ASIAFAKE", "SecretAccessKey": "SECRETVALUE123/abc+def", "SessionToken": "SECRETVALUE123/abc+def"}"#,
            r#"message: "{\"SecretAccessKey\": \"SECRETVALUE123/abc+def\"}""#,
            "<Credentials><SessionToken>SECRETVALUE123/abc+def</SessionToken></Credentials>",
            "{'X-Amz-Security-Token': b'SECRETVALUE123/abc+def', 'Host': 'x'}",
            "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024",
        ];
        for c in cases {
            let r = redact_with(c, &[]);
            assert!(!r.contains("SECRETVALUE123"), "{r}");
            assert!(!r.contains("IQoJb3JpZ2luX2VjEHoa"), "{r}");
            assert!(!r.contains("0123456789abcdef0123"), "{r}");
            assert!(!r.contains("fe5f80f77d5fa3beca038a"), "{r}");
            assert!(r.contains(REDACTED), "{r}");
        }
        // Access key IDs stay (identifying, not secret); ordinary text is untouched.
        let r = redact_with(cases[8], &[]);
        assert!(
            r.contains("Credential=AKIAIOSFODNN7EXAMPLE/20260101"),
            "{r}"
        );
        let plain = "An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.";
        assert_eq!(redact_with(plain, &[KEY.to_string()]), plain);
        // Env values, raw and percent-encoded.
        let t = format!("key {KEY} and {}", KEY.replace('/', "%2F"));
        let r = redact_with(&t, &[KEY.to_string()]);
        assert_eq!(r, "key <redacted> and <redacted>");
    }

    proptest::proptest! {
        #[test]
        fn redact_removes_any_env_secret_value(
            secret in "[A-Za-z0-9/+=]{12,64}|[!-;=?-~]{12,40}",
            before in "\\PC{0,40}",
            after in "\\PC{0,40}",
        ) {
            let text = format!("{before}{secret}{after} again:{secret}");
            let r = redact_with(&text, std::slice::from_ref(&secret));
            proptest::prop_assert!(!r.contains(&secret), "{r:?}");
        }

        #[test]
        fn inert_output_has_no_dangerous_code_point(
            text in "(\\PC|[\u{0}-\u{1f}\u{7f}-\u{9f}\u{ad}\u{61c}\u{180e}\u{200b}-\u{200f}\u{2028}-\u{202e}\u{2060}-\u{206f}\u{feff}\u{fff9}-\u{fffb}]){0,80}",
        ) {
            let s = inert(&text);
            for c in LISTED {
                proptest::prop_assert!(!s.contains(c));
            }
            proptest::prop_assert!(!s.chars().any(is_dangerous));
            let j = inert_json(&serde_json::Value::String(text.clone()).to_string());
            proptest::prop_assert!(!j.chars().any(is_dangerous));
        }
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
