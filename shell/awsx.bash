# awsx shell integration for bash. Load it from ~/.bashrc with:
#   eval "$(awsx init bash)"
#
# Typing `aws ...` then runs `awsx ...`, which runs the real aws CLI with the
# same arguments and exit status and explains failures. This is only a shell
# function: scripts, `command aws ...` and awsx itself (which finds the real
# aws on PATH, skipping its own binary) all get the real CLI.

# `function aws {` rather than `aws() {`: if `aws` is already an alias, the
# latter would expand it and fail to parse. Your alias keeps working on top.
function aws {
  # Looked up at every call, without forking, so `aws` keeps working if awsx
  # is uninstalled or not on PATH. A hash entry left by a since-removed awsx
  # would pass `type -P` and then fail to run, so forget it first.
  local hashed=${BASH_CMDS[awsx]-}
  if [[ -n $hashed && ! -x $hashed ]]; then hash -d awsx; fi
  if type -P awsx >/dev/null; then
    command awsx "$@"
  else
    command aws "$@"
  fi
}

# Completion is keyed by command name, so an existing spec for aws (such as
# `complete -C aws_completer aws` from the AWS docs) applies to the function
# unchanged. If there is none yet, register the aws CLI's own completer.
if ! complete -p aws >/dev/null 2>&1 && type -P aws_completer >/dev/null; then
  complete -C aws_completer aws
fi
