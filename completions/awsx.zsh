#compdef awsx

autoload -U is-at-least

_awsx() {
    typeset -A opt_args
    typeset -a _arguments_options
    local ret=1

    if is-at-least 5.2; then
        _arguments_options=(-s -S -C)
    else
        _arguments_options=(-s -C)
    fi

    local context curcontext="$curcontext" state line
    _arguments "${_arguments_options[@]}" : \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_awsx_commands" \
"*::: :->awsx" \
&& ret=0
    case $state in
    (awsx)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:awsx-command-$line[1]:"
        case $line[1] in
            (explain)
_arguments "${_arguments_options[@]}" : \
'--profile=[Profile for the look-ups]:PROFILE:_default' \
'--region=[Region for the look-ups]:REGION:_default' \
'--endpoint-url=[Endpoint for the look-ups (an emulator or proxy)]:ENDPOINT_URL:_default' \
'--json[Print the JSON report (schema 2)]' \
'--offline[Read the text only; make no AWS calls]' \
'-h[Print help]' \
'--help[Print help]' \
'::file -- File to read; `-` or nothing reads stdin:_default' \
&& ret=0
;;
(decode)
_arguments "${_arguments_options[@]}" : \
'--profile=[Profile for the look-ups]:PROFILE:_default' \
'--region=[Region for the look-ups]:REGION:_default' \
'--endpoint-url=[Endpoint for the look-ups (an emulator or proxy)]:ENDPOINT_URL:_default' \
'--json[Print only the decoded JSON on stdout (the analysis is left out)]' \
'-h[Print help]' \
'--help[Print help]' \
'::message -- The blob (it may start with `-`), a whole error text containing it, a file, or `-` for stdin:_default' \
&& ret=0
;;
(quota)
_arguments "${_arguments_options[@]}" : \
'--profile=[Profile for the look-ups]:PROFILE:_default' \
'--region=[Region for the look-ups]:REGION:_default' \
'--endpoint-url=[Endpoint for the look-ups (an emulator or proxy)]:ENDPOINT_URL:_default' \
'--json[Print the quotas as JSON (with region and account)]' \
'-h[Print help]' \
'--help[Print help]' \
':service -- Service\: a Service Quotas code in any case (ec2, VPC, lambda), a service name, or gpu, eip, vcpu:_default' \
'*::filter -- Words to filter quota names by, or a quota code (L-…) to show one quota:_default' \
&& ret=0
;;
(init)
_arguments "${_arguments_options[@]}" : \
'-h[Print help]' \
'--help[Print help]' \
':shell:(bash zsh fish)' \
&& ret=0
;;
(doctor)
_arguments "${_arguments_options[@]}" : \
'--profile=[Profile for the look-ups]:PROFILE:_default' \
'--region=[Region for the look-ups]:REGION:_default' \
'--endpoint-url=[Endpoint for the look-ups (an emulator or proxy)]:ENDPOINT_URL:_default' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(completions)
_arguments "${_arguments_options[@]}" : \
'-h[Print help]' \
'--help[Print help]' \
':shell:(bash elvish fish powershell zsh)' \
&& ret=0
;;
(awsx)
_arguments "${_arguments_options[@]}" : \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(man)
_arguments "${_arguments_options[@]}" : \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_awsx__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:awsx-help-command-$line[1]:"
        case $line[1] in
            (explain)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(decode)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(quota)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(init)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(doctor)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(completions)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(awsx)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(man)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
}

(( $+functions[_awsx_commands] )) ||
_awsx_commands() {
    local commands; commands=(
'explain:Explain an AWS error text (a CLI error, Terraform/CI log, SDK traceback, CloudFormation event, DecodedMessage)' \
'decode:Decode an encoded authorization failure message through STS and analyse it' \
'quota:List a service'\''s quotas (applied, default, usage), or show one quota in full' \
'init:Print shell integration that makes \`aws\` run awsx\: eval "\$(awsx init zsh)"' \
'doctor:Check the setup\: which aws runs, loop check, identity and diagnosis permissions' \
'completions:Print completions for awsx'\''s own commands' \
'awsx:awsx'\''s own help and version\: \`awsx awsx --help\`, \`awsx awsx --version\`' \
'man:Print awsx'\''s man page (roff)\: \`awsx awsx man | man -l -\`, or save it as awsx.1' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'awsx commands' commands "$@"
}
(( $+functions[_awsx__subcmd__awsx_commands] )) ||
_awsx__subcmd__awsx_commands() {
    local commands; commands=()
    _describe -t commands 'awsx awsx commands' commands "$@"
}
(( $+functions[_awsx__subcmd__completions_commands] )) ||
_awsx__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'awsx completions commands' commands "$@"
}
(( $+functions[_awsx__subcmd__decode_commands] )) ||
_awsx__subcmd__decode_commands() {
    local commands; commands=()
    _describe -t commands 'awsx decode commands' commands "$@"
}
(( $+functions[_awsx__subcmd__doctor_commands] )) ||
_awsx__subcmd__doctor_commands() {
    local commands; commands=()
    _describe -t commands 'awsx doctor commands' commands "$@"
}
(( $+functions[_awsx__subcmd__explain_commands] )) ||
_awsx__subcmd__explain_commands() {
    local commands; commands=()
    _describe -t commands 'awsx explain commands' commands "$@"
}
(( $+functions[_awsx__subcmd__help_commands] )) ||
_awsx__subcmd__help_commands() {
    local commands; commands=(
'explain:Explain an AWS error text (a CLI error, Terraform/CI log, SDK traceback, CloudFormation event, DecodedMessage)' \
'decode:Decode an encoded authorization failure message through STS and analyse it' \
'quota:List a service'\''s quotas (applied, default, usage), or show one quota in full' \
'init:Print shell integration that makes \`aws\` run awsx\: eval "\$(awsx init zsh)"' \
'doctor:Check the setup\: which aws runs, loop check, identity and diagnosis permissions' \
'completions:Print completions for awsx'\''s own commands' \
'awsx:awsx'\''s own help and version\: \`awsx awsx --help\`, \`awsx awsx --version\`' \
'man:Print awsx'\''s man page (roff)\: \`awsx awsx man | man -l -\`, or save it as awsx.1' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'awsx help commands' commands "$@"
}
(( $+functions[_awsx__subcmd__help__subcmd__awsx_commands] )) ||
_awsx__subcmd__help__subcmd__awsx_commands() {
    local commands; commands=()
    _describe -t commands 'awsx help awsx commands' commands "$@"
}
(( $+functions[_awsx__subcmd__help__subcmd__completions_commands] )) ||
_awsx__subcmd__help__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'awsx help completions commands' commands "$@"
}
(( $+functions[_awsx__subcmd__help__subcmd__decode_commands] )) ||
_awsx__subcmd__help__subcmd__decode_commands() {
    local commands; commands=()
    _describe -t commands 'awsx help decode commands' commands "$@"
}
(( $+functions[_awsx__subcmd__help__subcmd__doctor_commands] )) ||
_awsx__subcmd__help__subcmd__doctor_commands() {
    local commands; commands=()
    _describe -t commands 'awsx help doctor commands' commands "$@"
}
(( $+functions[_awsx__subcmd__help__subcmd__explain_commands] )) ||
_awsx__subcmd__help__subcmd__explain_commands() {
    local commands; commands=()
    _describe -t commands 'awsx help explain commands' commands "$@"
}
(( $+functions[_awsx__subcmd__help__subcmd__help_commands] )) ||
_awsx__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'awsx help help commands' commands "$@"
}
(( $+functions[_awsx__subcmd__help__subcmd__init_commands] )) ||
_awsx__subcmd__help__subcmd__init_commands() {
    local commands; commands=()
    _describe -t commands 'awsx help init commands' commands "$@"
}
(( $+functions[_awsx__subcmd__help__subcmd__man_commands] )) ||
_awsx__subcmd__help__subcmd__man_commands() {
    local commands; commands=()
    _describe -t commands 'awsx help man commands' commands "$@"
}
(( $+functions[_awsx__subcmd__help__subcmd__quota_commands] )) ||
_awsx__subcmd__help__subcmd__quota_commands() {
    local commands; commands=()
    _describe -t commands 'awsx help quota commands' commands "$@"
}
(( $+functions[_awsx__subcmd__init_commands] )) ||
_awsx__subcmd__init_commands() {
    local commands; commands=()
    _describe -t commands 'awsx init commands' commands "$@"
}
(( $+functions[_awsx__subcmd__man_commands] )) ||
_awsx__subcmd__man_commands() {
    local commands; commands=()
    _describe -t commands 'awsx man commands' commands "$@"
}
(( $+functions[_awsx__subcmd__quota_commands] )) ||
_awsx__subcmd__quota_commands() {
    local commands; commands=()
    _describe -t commands 'awsx quota commands' commands "$@"
}

if [ "$funcstack[1]" = "_awsx" ]; then
    _awsx "$@"
else
    compdef _awsx awsx
fi
