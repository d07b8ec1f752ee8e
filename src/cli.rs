//! awsx's own commands. Only reached when the first argument is a reserved name, so that
//! clap never sees (and never rejects) an aws command line.

use std::ffi::OsString;
use std::io::IsTerminal;

use anyhow::Result;
use clap::{CommandFactory, Parser, Subcommand};

/// Names that are awsx's, not aws's. A test checks none is an aws command in v1 or v2.
pub const RESERVED: [&str; 7] = [
    "explain",
    "decode",
    "quota",
    "init",
    "doctor",
    "completions",
    "awsx",
];

const ENV_HELP: &str = "\
Wrap mode: `awsx <any aws arguments>` runs the real aws with them untouched; when it fails,
awsx prints a diagnosis on stderr after aws's own output. Make `aws` run awsx with
`eval \"$(awsx init bash)\"` (or zsh; `awsx init fish | source`).

Environment (awsx takes no aws flags; its settings are all AWSX_* variables):
  AWSX_AWS_CLI=PATH          the real aws to run (default: first aws on PATH that is not awsx)
  AWSX_DIAGNOSE=on|offline|off
                             on (default): read the error and ask AWS follow-up questions;
                             offline: read the error only, no AWS calls; off: do nothing
  AWSX_REPORT=text|json      report format on stderr in wrap mode (default text)
  AWSX_REPORT_FILE=PATH      also write the JSON report to PATH (a success record after a success)
  AWSX_TIMEOUT=SECONDS       deadline for all AWS look-ups together (default 4)
  AWSX_DIAGNOSE_PROFILE=P    run the look-ups with profile P instead of the failed command's
  AWSX_REPORT_SCHEMA=1       write the JSON report's schema number as 1 (default 2; deprecated)
  AWSX_ENDPOINT_ALL_SERVICES=1
                             send every look-up to a non-loopback --endpoint-url, not only
                             the service it serves
  NO_COLOR / CLICOLOR_FORCE  colour off / on regardless of the terminal

awsx's own help and version: `awsx awsx --help`, `awsx awsx --version`
(`aws --version` and `aws help` stay aws's).";

#[derive(Parser, Debug)]
#[command(name = "awsx", version, about = "The AWS CLI that tells you why a command failed", after_help = ENV_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Explain an AWS error text (a CLI error, Terraform/CI log, SDK traceback, CloudFormation event, DecodedMessage)
    #[command(
        after_help = "Exit status: 0 an AWS error (or an AWS answer meaning success, such as DryRunOperation) was recognised and explained; 1 the text holds nothing awsx recognises; 2 unusable input (none given on a terminal, empty, binary, unreadable)."
    )]
    Explain {
        /// File to read; `-` or nothing reads stdin
        file: Option<String>,
        /// Print the JSON report (schema 2)
        #[arg(long)]
        json: bool,
        /// Read the text only; make no AWS calls
        #[arg(long)]
        offline: bool,
        #[command(flatten)]
        target: Lookup,
    },
    /// Decode an encoded authorization failure message through STS and analyse it
    Decode {
        /// The blob (it may start with `-`), a whole error text containing it, a file, or `-` for stdin
        #[arg(allow_hyphen_values = true)]
        message: Option<String>,
        /// Print only the decoded JSON on stdout (the analysis is left out)
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        target: Lookup,
    },
    /// List a service's quotas (applied, default, usage), or show one quota in full
    Quota {
        /// Service: a Service Quotas code in any case (ec2, VPC, lambda), a service name, or gpu, eip, vcpu
        service: String,
        /// Words to filter quota names by, or a quota code (L-…) to show one quota
        filter: Vec<String>,
        /// Print the quotas as JSON (with region and account)
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        target: Lookup,
    },
    /// Print shell integration that makes `aws` run awsx: eval "$(awsx init zsh)"
    Init {
        #[arg(value_enum)]
        shell: InitShell,
    },
    /// Check the setup: which aws runs, loop check, identity and diagnosis permissions
    Doctor {
        #[command(flatten)]
        target: Lookup,
    },
    /// Print completions for awsx's own commands
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// awsx's own help and version: `awsx awsx --help`, `awsx awsx --version`
    Awsx,
    /// Print awsx's man page (roff): `awsx awsx man | man -l -`, or save it as awsx.1
    Man,
}

/// Where and as whom awsx's own commands make their AWS look-ups.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Lookup {
    /// Profile for the look-ups
    #[arg(long)]
    pub profile: Option<String>,
    /// Region for the look-ups
    #[arg(long)]
    pub region: Option<String>,
    /// Endpoint for the look-ups (an emulator or proxy)
    #[arg(long)]
    pub endpoint_url: Option<String>,
}

impl From<Lookup> for crate::probe::Target {
    fn from(l: Lookup) -> Self {
        crate::probe::Target {
            profile: l.profile,
            region: l.region,
            endpoint_url: l.endpoint_url,
            ..Default::default()
        }
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum InitShell {
    Bash,
    Zsh,
    Fish,
}

pub const BASH_INIT: &str = include_str!("../shell/awsx.bash");
pub const ZSH_INIT: &str = include_str!("../shell/awsx.zsh");
pub const FISH_INIT: &str = include_str!("../shell/awsx.fish");

/// awsx(1), one page from clap's definitions (clap_mangen): wrap mode first, then each own
/// command with its options as a subsection, then the environment (the help's epilogue).
fn man_page() -> Result<Vec<u8>> {
    use clap_mangen::Man;
    let cli = Cli::command();
    let mut page = Vec::new();
    let main = Man::new(cli.clone());
    main.render_title(&mut page)?;
    main.render_name_section(&mut page)?;
    page.extend_from_slice(
        b".SH SYNOPSIS\n\\fBawsx\\fR \\fIaws-arguments\\fR...\n.br\n\\fBawsx\\fR \\fIcommand\\fR [\\fIoptions\\fR]\n.br\n\\fBawsx awsx\\fR [\\fB--help\\fR|\\fB--version\\fR|\\fBman\\fR]\n",
    );
    // The help's epilogue (wrap mode, the AWSX_* table) as it is laid out, not refilled.
    page.extend_from_slice(b".SH DESCRIPTION\n.nf\n");
    for line in ENV_HELP.lines() {
        let line = line.replace('\\', "\\e");
        if line.starts_with(['.', '\'']) {
            page.extend_from_slice(b"\\&");
        }
        page.extend_from_slice(line.as_bytes());
        page.push(b'\n');
    }
    page.extend_from_slice(b".fi\n");
    page.extend_from_slice(b".SH COMMANDS\n");
    for sub in cli
        .get_subcommands()
        .filter(|c| !matches!(c.get_name(), "help" | "awsx"))
    {
        let name = match sub.get_name() {
            "man" => "awsx awsx man".to_string(),
            n => format!("awsx {n}"),
        };
        let man = Man::new(sub.clone().name(name.clone()).bin_name(name.clone()));
        page.extend_from_slice(format!(".SS \"{name}\"\n").as_bytes());
        let mut body = Vec::new();
        man.render_synopsis_section(&mut body)?;
        man.render_description_section(&mut body)?;
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(&mut body)?;
        }
        if sub.get_after_help().is_some() {
            man.render_extra_section(&mut body)?;
        }
        // Their own .SH headings become paragraphs inside the subsection.
        for line in String::from_utf8_lossy(&body).lines() {
            match line.strip_prefix(".SH ") {
                Some("SYNOPSIS") => {}
                Some(_) => page.extend_from_slice(b".PP\n"),
                None => {
                    page.extend_from_slice(line.as_bytes());
                    page.push(b'\n');
                }
            }
        }
    }
    main.render_version_section(&mut page)?;
    Ok(page)
}

pub fn run(args: Vec<OsString>) -> Result<i32> {
    let mut argv = vec![OsString::from("awsx")];
    // `awsx awsx --help` → clap sees `awsx --help`.
    if args.first().is_some_and(|a| a == "awsx") {
        argv.extend(args.into_iter().skip(1));
        if argv.len() == 1 {
            argv.push("--help".into());
        }
    } else {
        argv.extend(args);
    }
    let cli = match Cli::try_parse_from(argv) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return Ok(code);
        }
    };
    match cli.command {
        Command::Explain {
            file,
            json,
            offline,
            target,
        } => {
            // Nothing given and nothing piped: say what to give instead of waiting.
            if file.is_none() && std::io::stdin().is_terminal() {
                eprintln!(
                    "awsx: explain needs an error text: a FILE, a pipe (`terraform apply 2>&1 | awsx explain`), or `-` to paste one (end with Ctrl-D)"
                );
                return Ok(2);
            }
            let text = match crate::capture::read_input(file.as_deref()) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("awsx: {}", crate::sanitize::inert_line(&format!("{e:#}")));
                    return Ok(2);
                }
            };
            // Re-runnable only from a file: a pipe's text is gone once read.
            let rerun = file
                .as_deref()
                .filter(|f| *f != "-")
                .map(|_| std::env::args().skip(1).collect::<Vec<_>>());
            crate::diagnose::explain(&text, json, offline, target.into(), rerun)
        }
        Command::Decode {
            message,
            json,
            target,
        } => crate::diagnose::decode(message.as_deref(), json, target.into()),
        Command::Quota {
            service,
            filter,
            json,
            target,
        } => crate::quota_cmd::run(&service, &filter, json, target.into()),
        Command::Init { shell } => {
            print!(
                "{}",
                match shell {
                    InitShell::Bash => BASH_INIT,
                    InitShell::Zsh => ZSH_INIT,
                    InitShell::Fish => FISH_INIT,
                }
            );
            Ok(0)
        }
        Command::Doctor { target } => crate::doctor::run(target.into()),
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "awsx", &mut std::io::stdout());
            Ok(0)
        }
        Command::Man => {
            std::io::Write::write_all(&mut std::io::stdout().lock(), &man_page()?)?;
            Ok(0)
        }
        Command::Awsx => {
            let _ = Cli::command().print_help();
            Ok(0)
        }
    }
}
