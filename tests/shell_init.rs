//! End-to-end tests of the shell integration that `awsx init SHELL` prints
//! (shell/awsx.bash, shell/awsx.zsh, shell/awsx.fish), run in real bash, zsh
//! and fish without any user configuration.
//!
//! Each test builds a sandbox whose PATH holds only a fake `aws` (prints its
//! arguments and AWSX_LOOP_GUARD, which awsx sets for its child, then exits 7),
//! a fake `aws_completer`, and a symlink `awsx` to the binary under test.
//! A shell that is not installed is skipped with a note, unless
//! AWSX_REQUIRE_SHELLS=1 (as in CI), where that is a failure.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const AWSX: &str = env!("CARGO_BIN_EXE_awsx");

/// What `aws` is called with: `--version a b`, then arguments that a careless
/// wrapper would split, drop, glob or expand.
const ARGS: &[&str] = &[
    "--version",
    "a",
    "b",
    "a b",
    "",
    "*",
    "$HOME",
    "--query=x[0]",
    "it's \"q\"",
];

/// Prints `REAL-AWS [arg]...` and `GUARD=[$AWSX_LOOP_GUARD]`, one line to
/// stderr, and exits 7 so that exit status propagation is visible.
const FAKE_AWS: &str = r#"#!/bin/sh
printf 'REAL-AWS'
for a in "$@"; do printf ' [%s]' "$a"; done
printf '\nGUARD=[%s]\n' "${AWSX_LOOP_GUARD-}"
echo 'REAL-AWS stderr' >&2
exit 7
"#;

const FAKE_COMPLETER: &str = "#!/bin/sh\necho awsxfakecompletion\n";

fn require_tools() -> bool {
    std::env::var_os("AWSX_REQUIRE_SHELLS").is_some_and(|v| v == "1")
}

/// Absolute path of `name` on the test's own PATH, or None after printing
/// a note (or panicking when AWSX_REQUIRE_SHELLS=1).
fn find_tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file() && is_executable(p))
    });
    if found.is_none() {
        assert!(
            !require_tools(),
            "{name} is not installed but AWSX_REQUIRE_SHELLS=1"
        );
        eprintln!("note: {name} not found on PATH, skipping its shell integration test");
    }
    found
}

fn is_executable(p: &Path) -> bool {
    fs::metadata(p).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

fn write_script(path: &Path, body: &str) {
    fs::write(path, body).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

#[derive(Clone, Copy, Debug)]
enum Shell {
    Bash,
    Zsh,
    Fish,
}

impl Shell {
    fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
        }
    }

    /// The file `awsx init` must print verbatim.
    fn source(self) -> &'static str {
        match self {
            Shell::Bash => include_str!("../shell/awsx.bash"),
            Shell::Zsh => include_str!("../shell/awsx.zsh"),
            Shell::Fish => include_str!("../shell/awsx.fish"),
        }
    }

    /// The documented way to load the integration, then a check that it
    /// defined `aws` (exit 90 otherwise, e.g. when `awsx init` failed).
    fn load(self) -> &'static str {
        match self {
            Shell::Bash => "eval \"$(awsx init bash)\"\ndeclare -F aws >/dev/null || exit 90\n",
            Shell::Zsh => "eval \"$(awsx init zsh)\"\n(( $+functions[aws] )) || exit 90\n",
            Shell::Fish => "awsx init fish | source\nfunctions -q aws; or exit 90\n",
        }
    }

    /// `aws` (or `command aws`) with the shell's positional parameters.
    fn call(self, prefix: &str) -> String {
        match self {
            Shell::Bash | Shell::Zsh => format!("{prefix}aws \"$@\"\n"),
            Shell::Fish => format!("{prefix}aws $argv\n"),
        }
    }

    /// Leaves only the fake aws directory on PATH, so awsx is not found.
    fn drop_awsx_from_path(self) -> &'static str {
        match self {
            Shell::Bash | Shell::Zsh => "PATH=$AWSX_TEST_FAKE_BIN\n",
            Shell::Fish => "set -gx PATH $AWSX_TEST_FAKE_BIN\n",
        }
    }

    fn delete_awsx_link(self) -> &'static str {
        match self {
            Shell::Bash | Shell::Zsh => "/bin/rm \"$AWSX_TEST_AWSX_LINK\" || exit 91\n",
            Shell::Fish => "/bin/rm $AWSX_TEST_AWSX_LINK; or exit 91\n",
        }
    }
}

struct Sandbox {
    shell: Shell,
    exe: PathBuf,
    dir: tempfile::TempDir,
}

impl Sandbox {
    /// None (test skipped) when the shell is not installed.
    fn new(shell: Shell) -> Option<Sandbox> {
        let exe = find_tool(shell.name())?;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for sub in ["fakebin", "awsxbin", "home"] {
            fs::create_dir(root.join(sub)).unwrap();
        }
        write_script(&root.join("fakebin/aws"), FAKE_AWS);
        write_script(&root.join("fakebin/aws_completer"), FAKE_COMPLETER);
        symlink(AWSX, root.join("awsxbin/awsx")).unwrap();
        Some(Sandbox { shell, exe, dir })
    }

    fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }

    /// Runs `script` non-interactively with no user or system config, with
    /// ARGS as positional parameters and a PATH of only the sandbox dirs.
    fn run(&self, script: &str) -> Output {
        let mut cmd = Command::new(&self.exe);
        match self.shell {
            Shell::Bash => cmd.args(["--noprofile", "--norc", "-c", script, "bash"]),
            Shell::Zsh => cmd.args(["-f", "-c", script, "zsh"]),
            // fish would take ARGS' `--version` for its own without `--`.
            Shell::Fish => cmd.args(["--no-config", "-c", script, "--"]),
        };
        let path = std::env::join_paths([self.path("fakebin"), self.path("awsxbin")]).unwrap();
        let out = cmd
            .args(ARGS)
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.path("home"))
            .env("TERM", "dumb")
            .env("AWSX_DIAGNOSE", "off")
            .env("AWSX_AWS_CLI", self.path("fakebin/aws"))
            .env("AWSX_TEST_FAKE_BIN", self.path("fakebin"))
            .env("AWSX_TEST_AWSX_LINK", self.path("awsxbin/awsx"))
            .current_dir(self.path("home"))
            .output()
            .unwrap();
        assert_ne!(
            out.status.code(),
            Some(90),
            "{:?}: loading `awsx init` did not define aws\n{}",
            self.shell,
            show(&out)
        );
        out
    }

    /// Asserts the fake aws ran once with `args` verbatim, its exit status 7
    /// and output passed through untouched, and through awsx or not.
    fn assert_real_aws(&self, out: &Output, args: &[&str], via_awsx: bool) {
        let ctx = format!("{:?}\n{}", self.shell, show(out));
        assert_eq!(
            out.status.code(),
            Some(7),
            "exit status not propagated: {ctx}"
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(
            lines.len(),
            2,
            "expected exactly the fake aws output: {ctx}"
        );
        let expected: String = args.iter().map(|a| format!(" [{a}]")).collect();
        assert_eq!(
            lines[0],
            format!("REAL-AWS{expected}"),
            "arguments changed: {ctx}"
        );
        let guard = lines[1]
            .strip_prefix("GUARD=[")
            .and_then(|g| g.strip_suffix(']'))
            .unwrap_or_else(|| panic!("no GUARD line: {ctx}"));
        if via_awsx {
            assert!(
                !guard.is_empty(),
                "aws did not go through awsx (AWSX_LOOP_GUARD unset in its child): {ctx}"
            );
        } else {
            assert!(
                guard.is_empty(),
                "aws went through awsx but should not have: {ctx}"
            );
        }
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "REAL-AWS stderr\n",
            "unexpected stderr: {ctx}"
        );
    }

    fn assert_ok_stdout(&self, out: &Output) -> String {
        assert!(out.status.success(), "{:?}\n{}", self.shell, show(out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn show(out: &Output) -> String {
    format!(
        "status: {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn aws_runs_awsx_with_args_verbatim(shell: Shell) {
    let Some(sb) = Sandbox::new(shell) else {
        return;
    };
    let out = sb.run(&format!("{}{}", shell.load(), shell.call("")));
    sb.assert_real_aws(&out, ARGS, true);
}

fn command_aws_bypasses_awsx(shell: Shell) {
    let Some(sb) = Sandbox::new(shell) else {
        return;
    };
    let out = sb.run(&format!("{}{}", shell.load(), shell.call("command ")));
    sb.assert_real_aws(&out, ARGS, false);
}

fn falls_back_when_awsx_not_on_path(shell: Shell) {
    let Some(sb) = Sandbox::new(shell) else {
        return;
    };
    let script = format!(
        "{}{}{}",
        shell.load(),
        shell.drop_awsx_from_path(),
        shell.call("")
    );
    sb.assert_real_aws(&sb.run(&script), ARGS, false);
}

/// awsx ran once (so bash has hashed its path), then was uninstalled.
fn falls_back_after_awsx_is_deleted(shell: Shell) {
    let Some(sb) = Sandbox::new(shell) else {
        return;
    };
    let script = format!(
        "{}aws warmup >/dev/null 2>&1\n{}{}",
        shell.load(),
        shell.delete_awsx_link(),
        shell.call("")
    );
    sb.assert_real_aws(&sb.run(&script), ARGS, false);
}

/// With no completion set up for aws, loading registers aws_completer.
fn registers_aws_completer(shell: Shell) {
    let Some(sb) = Sandbox::new(shell) else {
        return;
    };
    let script = match shell {
        Shell::Bash => format!("{}complete -p aws\n", shell.load()),
        // compinit may find a packaged _aws; forget it to see ours.
        Shell::Zsh => format!(
            "autoload -Uz compinit && compinit -u -D\nunset '_comps[aws]'\n{}print -r -- \"$_comps[aws]\"\n",
            shell.load()
        ),
        Shell::Fish => format!("{}complete -C 'aws '\n", shell.load()),
    };
    let stdout = sb.assert_ok_stdout(&sb.run(&script));
    let want = match shell {
        Shell::Fish => "awsxfakecompletion",
        _ => "aws_completer",
    };
    assert!(
        stdout.contains(want),
        "{shell:?}: no aws_completer completion:\n{stdout}"
    );
}

/// Completion the user set up before loading is kept, not replaced or doubled.
fn keeps_existing_completion(shell: Shell) {
    let Some(sb) = Sandbox::new(shell) else {
        return;
    };
    let script = match shell {
        Shell::Bash => format!("complete -F _my_aws aws\n{}complete -p aws\n", shell.load()),
        Shell::Zsh => format!(
            "autoload -Uz compinit && compinit -u -D\n_comps[aws]=_my_aws\n{}print -r -- \"$_comps[aws]\"\n",
            shell.load()
        ),
        Shell::Fish => format!(
            "complete -c aws -f -a '(aws_completer)'\n{}complete -c aws | string match '*aws_completer*' | count\n",
            shell.load()
        ),
    };
    let stdout = sb.assert_ok_stdout(&sb.run(&script));
    match shell {
        Shell::Fish => assert_eq!(stdout.trim(), "1", "fish: aws_completer registered twice"),
        _ => assert!(
            stdout.contains("_my_aws") && !stdout.contains("aws_completer"),
            "{shell:?}: existing completion replaced:\n{stdout}"
        ),
    }
}

/// An existing `aws` alias neither breaks loading nor bypasses awsx: it
/// expands to a call of the function.
fn existing_alias_composes(shell: Shell) {
    let Some(sb) = Sandbox::new(shell) else {
        return;
    };
    let prelude = match shell {
        Shell::Bash => "shopt -s expand_aliases\nalias aws='aws --region eu-west-1'\n",
        Shell::Zsh => "alias aws='aws --region eu-west-1'\n",
        Shell::Fish => return, // fish aliases are functions; loading replaces them
    };
    // zsh parses a whole -c script before running it, so the alias only
    // applies to code parsed later: the eval'd init script and this call.
    let out = sb.run(&format!("{prelude}{}eval 'aws \"$@\"'\n", shell.load()));
    let mut args = vec!["--region", "eu-west-1"];
    args.extend_from_slice(ARGS);
    sb.assert_real_aws(&out, &args, true);
}

macro_rules! shell_tests {
    ($($module:ident => $shell:expr),* $(,)?) => {$(
        mod $module {
            use super::*;
            #[test]
            fn aws_runs_awsx_with_args_verbatim() { super::aws_runs_awsx_with_args_verbatim($shell) }
            #[test]
            fn command_aws_bypasses_awsx() { super::command_aws_bypasses_awsx($shell) }
            #[test]
            fn falls_back_when_awsx_not_on_path() { super::falls_back_when_awsx_not_on_path($shell) }
            #[test]
            fn falls_back_after_awsx_is_deleted() { super::falls_back_after_awsx_is_deleted($shell) }
            #[test]
            fn registers_aws_completer() { super::registers_aws_completer($shell) }
            #[test]
            fn keeps_existing_completion() { super::keeps_existing_completion($shell) }
            #[test]
            fn existing_alias_composes() { super::existing_alias_composes($shell) }
            #[test]
            fn init_prints_the_script_verbatim() {
                let out = Command::new(AWSX).args(["init", $shell.name()]).output().unwrap();
                assert!(out.status.success(), "{}", show(&out));
                assert_eq!(String::from_utf8_lossy(&out.stdout), $shell.source());
            }
        }
    )*};
}

shell_tests!(bash => Shell::Bash, zsh => Shell::Zsh, fish => Shell::Fish);

#[test]
fn init_rejects_unknown_shell() {
    let out = Command::new(AWSX).args(["init", "tcsh"]).output().unwrap();
    assert!(!out.status.success(), "{}", show(&out));
    assert!(out.stdout.is_empty(), "{}", show(&out));
}

#[test]
fn shellcheck_passes_on_bash_script() {
    let Some(shellcheck) = find_tool("shellcheck") else {
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("shell/awsx.bash");
    let out = Command::new(shellcheck)
        .args(["-s", "bash"])
        .arg(&script)
        .output()
        .unwrap();
    assert!(out.status.success(), "shellcheck:\n{}", show(&out));
}
