//! awsx's own settings (`AWSX_*` variables) read in one place, with one warning line for a
//! value that cannot be used instead of a silent fallback.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The look-ups' deadline when `AWSX_TIMEOUT` is unset.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(4);
/// The largest `AWSX_TIMEOUT` used, in seconds; larger values are lowered to it.
pub const MAX_TIMEOUT_SECS: f64 = 600.0;

/// `AWSX_TIMEOUT` as read: the value used, whether the user set a usable value, and the
/// warning to print when the value could not be used as given.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeout {
    pub value: Duration,
    pub explicit: bool,
    pub warning: Option<String>,
}

/// Parses an `AWSX_TIMEOUT` value: a number of seconds, `0 < s ≤ 600` (fractions allowed).
/// Unset or empty gives `default`; an unusable value gives `default` and a warning; a value
/// above 600 gives 600 and a warning.
pub fn parse_timeout(raw: Option<&str>, default: Duration) -> Timeout {
    let fallback = |warning: Option<String>| Timeout {
        value: default,
        explicit: false,
        warning,
    };
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return fallback(None);
    };
    let shown = crate::sanitize::inert_line(raw);
    let shown: String = shown.chars().take(40).collect();
    let default_s = secs(default);
    match raw.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s <= MAX_TIMEOUT_SECS => Timeout {
            value: Duration::from_secs_f64(s),
            explicit: true,
            warning: None,
        },
        Ok(s) if s.is_finite() && s > MAX_TIMEOUT_SECS => Timeout {
            value: Duration::from_secs_f64(MAX_TIMEOUT_SECS),
            explicit: true,
            warning: Some(format!(
                "awsx: AWSX_TIMEOUT={shown} is above the maximum of {MAX_TIMEOUT_SECS} seconds: using {MAX_TIMEOUT_SECS} s"
            )),
        },
        _ => fallback(Some(format!(
            "awsx: AWSX_TIMEOUT={shown} is not a number of seconds between 0 and {MAX_TIMEOUT_SECS} (e.g. 10 or 2.5): using {default_s} s"
        ))),
    }
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{}", s as u64)
    } else {
        format!("{s}")
    }
}

/// `AWSX_TIMEOUT` from the environment with `default` when unset; prints the warning (once
/// per process) when the value could not be used as given.
pub fn timeout_with_default(default: Duration) -> Timeout {
    let raw = std::env::var_os("AWSX_TIMEOUT").map(|v| v.to_string_lossy().into_owned());
    let t = parse_timeout(raw.as_deref(), default);
    if let Some(w) = &t.warning {
        warn_once(w);
    }
    t
}

/// The look-ups' deadline (`AWSX_TIMEOUT`, default 4 s) and the warning, if any (already
/// printed once on stderr).
pub fn timeout() -> (Duration, Option<String>) {
    let t = timeout_with_default(DEFAULT_TIMEOUT);
    (t.value, t.warning)
}

static WARNED: AtomicBool = AtomicBool::new(false);

/// One configuration warning per process on stderr.
fn warn_once(line: &str) {
    if !WARNED.swap(true, Ordering::SeqCst) {
        eprintln!("{line}");
    }
}

/// The JSON report's schema number: 2 (the current one), or 1 with `AWSX_REPORT_SCHEMA=1`
/// for readers that check the number, during schema 1's deprecation period. The documents
/// are the same: every field schema 2 added is one schema 1 declared optional.
pub fn report_schema() -> u64 {
    match std::env::var("AWSX_REPORT_SCHEMA")
        .ok()
        .as_deref()
        .map(str::trim)
    {
        None | Some("") | Some("2") => crate::report::SCHEMA_VERSION,
        Some("1") => 1,
        Some(other) => {
            warn_once(&format!(
                "awsx: AWSX_REPORT_SCHEMA={:?} is not 1 or 2; using 2",
                crate::sanitize::inert_line(other)
            ));
            crate::report::SCHEMA_VERSION
        }
    }
}

/// `AWSX_ENDPOINT_ALL_SERVICES=1`: send every look-up to the command's `--endpoint-url`,
/// whatever service it serves and whoever runs it.
pub fn endpoint_all_services() -> bool {
    std::env::var("AWSX_ENDPOINT_ALL_SERVICES").is_ok_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        )
    })
}

/// The AWS profiles configured on this machine (`[profile X]` and `[default]` in the config
/// file, `[X]` in the credentials file; `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`
/// are honoured), sorted, without repeats. Only the section names are read.
pub fn profiles_here() -> Vec<String> {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let path = |var: &str, name: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(name)))
    };
    let mut out = Vec::new();
    for (p, is_config) in [
        (path("AWS_CONFIG_FILE", "config"), true),
        (path("AWS_SHARED_CREDENTIALS_FILE", "credentials"), false),
    ] {
        if let Some(text) = p.and_then(|p| std::fs::read_to_string(p).ok()) {
            out.extend(profile_sections(&text, is_config));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The profile names of one config (`is_config`) or credentials file.
fn profile_sections(text: &str, is_config: bool) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            let inner = l.strip_prefix('[')?.strip_suffix(']')?.trim();
            let name = if is_config {
                match inner.split_once(char::is_whitespace) {
                    Some(("profile", n)) => n.trim(),
                    None if inner == "default" => inner,
                    _ => return None,
                }
            } else {
                inner
            };
            (!name.is_empty()).then(|| name.to_string())
        })
        .collect()
}

/// Of `profiles`, the ones worth suggesting for `AWSX_DIAGNOSE_PROFILE` instead of
/// `current`: every other profile, the ones whose names suggest read or admin rights first.
pub fn diagnose_profile_candidates(profiles: &[String], current: &str) -> Vec<String> {
    const HINTS: [&str; 8] = [
        "admin",
        "audit",
        "security",
        "readonly",
        "read-only",
        "ops",
        "management",
        "root",
    ];
    let mut c: Vec<&String> = profiles.iter().filter(|p| *p != current).collect();
    c.sort_by_key(|p| {
        let l = p.to_ascii_lowercase();
        (!HINTS.iter().any(|h| l.contains(h)), l)
    });
    c.into_iter().cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: Duration = Duration::from_secs(4);

    #[test]
    fn unusable_values_warn_and_say_the_value_used() {
        for bad in [
            "0", "-1", "abc", "nan", "NaN", "inf", "-inf", "2s", "1e999", "0.0",
        ] {
            let t = parse_timeout(Some(bad), D);
            assert_eq!(t.value, D, "{bad}");
            assert!(!t.explicit, "{bad}");
            let w = t.warning.unwrap_or_else(|| panic!("no warning for {bad}"));
            assert!(w.contains("using 4 s") && !w.contains('\n'), "{w}");
        }
    }

    #[test]
    fn too_large_is_lowered_with_a_warning() {
        let t = parse_timeout(Some("1000"), D);
        assert_eq!(t.value, Duration::from_secs(600));
        assert!(t.warning.unwrap().contains("using 600 s"));
    }

    #[test]
    fn good_values_and_unset_are_silent() {
        for (raw, want) in [("10", 10.0), (" 2.5 ", 2.5), ("600", 600.0), ("0.1", 0.1)] {
            let t = parse_timeout(Some(raw), D);
            assert_eq!(t.value, Duration::from_secs_f64(want));
            assert!(t.explicit && t.warning.is_none());
        }
        for raw in [None, Some(""), Some("  ")] {
            let t = parse_timeout(raw, Duration::from_secs(10));
            assert_eq!(t.value, Duration::from_secs(10));
            assert!(!t.explicit && t.warning.is_none());
        }
    }

    #[test]
    fn profile_sections_of_both_files() {
        let config =
            "[default]\nregion=x\n[profile admin]\n[sso-session s]\n[services v]\n[profile  ci ]\n";
        assert_eq!(profile_sections(config, true), ["default", "admin", "ci"]);
        assert_eq!(
            profile_sections("[ops]\n[default]\n", false),
            ["ops", "default"]
        );
        let all: Vec<String> = ["ci", "default", "dev", "security-audit"]
            .map(String::from)
            .into();
        assert_eq!(
            diagnose_profile_candidates(&all, "ci"),
            ["security-audit", "default", "dev"]
        );
    }
}
