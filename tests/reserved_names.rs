//! awsx's own command names must never shadow an aws command, in either CLI major.
//! The command tables come from the installed CLIs themselves.

mod common;

use std::process::Command;

const PRINT_COMMANDS: &str = "import awscli.clidriver as c; d = c.create_clidriver(); print('\\n'.join(d._get_command_table()))";

fn commands(python: &str) -> Vec<String> {
    let out = Command::new(python)
        .args(["-c", PRINT_COMMANDS])
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "{python}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn reserved_names_are_not_aws_commands() {
    // v1: the Python that runs the pip aws; v2: Debian's system Python with its awscli.
    let v1_python = common::aws_v1().parent().unwrap().join("python3");
    let v2_python = "/usr/bin/python3";
    for (name, python) in [("v1", v1_python.to_str().unwrap()), ("v2", v2_python)] {
        let table = commands(python);
        assert!(table.len() > 250, "{name}: only {} commands", table.len());
        for must in [
            "s3",
            "s3api",
            "ec2",
            "configure",
            "help",
            "sts",
            "service-quotas",
        ] {
            // `help` is handled separately by the CLI; the rest are in the table.
            assert!(
                must == "help" || table.iter().any(|c| c == must),
                "{name}: table lacks {must}"
            );
        }
        for reserved in awsx::cli::RESERVED {
            assert!(
                !table.iter().any(|c| c == reserved),
                "{name}: `{reserved}` is an aws command"
            );
        }
    }
}
