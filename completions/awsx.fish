# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_awsx_global_optspecs
    string join \n h/help V/version
end

function __fish_awsx_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_awsx_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_awsx_using_subcommand
    set -l cmd (__fish_awsx_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c awsx -n "__fish_awsx_needs_command" -s h -l help -d 'Print help'
complete -c awsx -n "__fish_awsx_needs_command" -s V -l version -d 'Print version'
complete -c awsx -n "__fish_awsx_needs_command" -f -a "explain" -d 'Explain an AWS error text (a CLI error, Terraform/CI log, SDK traceback, CloudFormation event, DecodedMessage)'
complete -c awsx -n "__fish_awsx_needs_command" -f -a "decode" -d 'Decode an encoded authorization failure message through STS and analyse it'
complete -c awsx -n "__fish_awsx_needs_command" -f -a "quota" -d 'List a service\'s quotas (applied, default, usage), or show one quota in full'
complete -c awsx -n "__fish_awsx_needs_command" -f -a "init" -d 'Print shell integration that makes `aws` run awsx: eval "$(awsx init zsh)"'
complete -c awsx -n "__fish_awsx_needs_command" -f -a "doctor" -d 'Check the setup: which aws runs, loop check, identity and diagnosis permissions'
complete -c awsx -n "__fish_awsx_needs_command" -f -a "completions" -d 'Print completions for awsx\'s own commands'
complete -c awsx -n "__fish_awsx_needs_command" -f -a "awsx" -d 'awsx\'s own help and version: `awsx awsx --help`, `awsx awsx --version`'
complete -c awsx -n "__fish_awsx_needs_command" -f -a "man" -d 'Print awsx\'s man page (roff): `awsx awsx man | man -l -`, or save it as awsx.1'
complete -c awsx -n "__fish_awsx_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c awsx -n "__fish_awsx_using_subcommand explain" -l profile -d 'Profile for the look-ups' -r
complete -c awsx -n "__fish_awsx_using_subcommand explain" -l region -d 'Region for the look-ups' -r
complete -c awsx -n "__fish_awsx_using_subcommand explain" -l endpoint-url -d 'Endpoint for the look-ups (an emulator or proxy)' -r
complete -c awsx -n "__fish_awsx_using_subcommand explain" -l json -d 'Print the JSON report (schema 2)'
complete -c awsx -n "__fish_awsx_using_subcommand explain" -l offline -d 'Read the text only; make no AWS calls'
complete -c awsx -n "__fish_awsx_using_subcommand explain" -s h -l help -d 'Print help'
complete -c awsx -n "__fish_awsx_using_subcommand decode" -l profile -d 'Profile for the look-ups' -r
complete -c awsx -n "__fish_awsx_using_subcommand decode" -l region -d 'Region for the look-ups' -r
complete -c awsx -n "__fish_awsx_using_subcommand decode" -l endpoint-url -d 'Endpoint for the look-ups (an emulator or proxy)' -r
complete -c awsx -n "__fish_awsx_using_subcommand decode" -l json -d 'Print only the decoded JSON on stdout (the analysis is left out)'
complete -c awsx -n "__fish_awsx_using_subcommand decode" -s h -l help -d 'Print help'
complete -c awsx -n "__fish_awsx_using_subcommand quota" -l profile -d 'Profile for the look-ups' -r
complete -c awsx -n "__fish_awsx_using_subcommand quota" -l region -d 'Region for the look-ups' -r
complete -c awsx -n "__fish_awsx_using_subcommand quota" -l endpoint-url -d 'Endpoint for the look-ups (an emulator or proxy)' -r
complete -c awsx -n "__fish_awsx_using_subcommand quota" -l json -d 'Print the quotas as JSON (with region and account)'
complete -c awsx -n "__fish_awsx_using_subcommand quota" -s h -l help -d 'Print help'
complete -c awsx -n "__fish_awsx_using_subcommand init" -s h -l help -d 'Print help'
complete -c awsx -n "__fish_awsx_using_subcommand doctor" -l profile -d 'Profile for the look-ups' -r
complete -c awsx -n "__fish_awsx_using_subcommand doctor" -l region -d 'Region for the look-ups' -r
complete -c awsx -n "__fish_awsx_using_subcommand doctor" -l endpoint-url -d 'Endpoint for the look-ups (an emulator or proxy)' -r
complete -c awsx -n "__fish_awsx_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c awsx -n "__fish_awsx_using_subcommand completions" -s h -l help -d 'Print help'
complete -c awsx -n "__fish_awsx_using_subcommand awsx" -s h -l help -d 'Print help'
complete -c awsx -n "__fish_awsx_using_subcommand man" -s h -l help -d 'Print help'
complete -c awsx -n "__fish_awsx_using_subcommand help; and not __fish_seen_subcommand_from explain decode quota init doctor completions awsx man help" -f -a "explain" -d 'Explain an AWS error text (a CLI error, Terraform/CI log, SDK traceback, CloudFormation event, DecodedMessage)'
complete -c awsx -n "__fish_awsx_using_subcommand help; and not __fish_seen_subcommand_from explain decode quota init doctor completions awsx man help" -f -a "decode" -d 'Decode an encoded authorization failure message through STS and analyse it'
complete -c awsx -n "__fish_awsx_using_subcommand help; and not __fish_seen_subcommand_from explain decode quota init doctor completions awsx man help" -f -a "quota" -d 'List a service\'s quotas (applied, default, usage), or show one quota in full'
complete -c awsx -n "__fish_awsx_using_subcommand help; and not __fish_seen_subcommand_from explain decode quota init doctor completions awsx man help" -f -a "init" -d 'Print shell integration that makes `aws` run awsx: eval "$(awsx init zsh)"'
complete -c awsx -n "__fish_awsx_using_subcommand help; and not __fish_seen_subcommand_from explain decode quota init doctor completions awsx man help" -f -a "doctor" -d 'Check the setup: which aws runs, loop check, identity and diagnosis permissions'
complete -c awsx -n "__fish_awsx_using_subcommand help; and not __fish_seen_subcommand_from explain decode quota init doctor completions awsx man help" -f -a "completions" -d 'Print completions for awsx\'s own commands'
complete -c awsx -n "__fish_awsx_using_subcommand help; and not __fish_seen_subcommand_from explain decode quota init doctor completions awsx man help" -f -a "awsx" -d 'awsx\'s own help and version: `awsx awsx --help`, `awsx awsx --version`'
complete -c awsx -n "__fish_awsx_using_subcommand help; and not __fish_seen_subcommand_from explain decode quota init doctor completions awsx man help" -f -a "man" -d 'Print awsx\'s man page (roff): `awsx awsx man | man -l -`, or save it as awsx.1'
complete -c awsx -n "__fish_awsx_using_subcommand help; and not __fish_seen_subcommand_from explain decode quota init doctor completions awsx man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
