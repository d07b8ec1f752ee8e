# awsx shell integration for fish. Load it from ~/.config/fish/config.fish with:
#   awsx init fish | source
#
# Typing `aws ...` then runs `awsx ...`, which runs the real aws CLI with the
# same arguments and exit status and explains failures. This is only a shell
# function: scripts, `command aws ...` and awsx itself (which finds the real
# aws on PATH, skipping its own binary) all get the real CLI.
#
# No `--wraps aws`: fish ignores a function that wraps its own name, and it
# is not needed, since completions are keyed by command name and so every
# `complete -c aws` (fish's bundled one, or yours) applies to this function.
function aws --description 'aws CLI run through awsx (awsx init fish)'
    # `command -q` searches PATH at every call, without forking, so `aws`
    # keeps working if awsx is uninstalled or not on PATH.
    if command -q awsx
        command awsx $argv
    else
        command aws $argv
    end
end

# fish's bundled aws completion is a fixed, dated list of services; add the
# aws CLI's own completer as the AWS docs do, unless it is already set up.
if command -q aws_completer; and not complete -c aws | string match -q '*aws_completer*'
    complete -c aws -f -a '(begin; set -lx COMP_SHELL fish; set -lx COMP_LINE (commandline); aws_completer | string trim -r; end)'
end
