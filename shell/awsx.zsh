# awsx shell integration for zsh. Load it from ~/.zshrc, after compinit if
# you use it, with:
#   eval "$(awsx init zsh)"
#
# Typing `aws ...` then runs `awsx ...`, which runs the real aws CLI with the
# same arguments and exit status and explains failures. It is a function, not
# an alias, so that it can fall back to the real aws when awsx is missing.
# Scripts, `command aws ...` and awsx itself (which finds the real aws on
# PATH, skipping its own binary) all get the real CLI.

# `function aws {` rather than `aws() {`: if `aws` is already an alias, the
# latter would expand it while defining. Your alias keeps working on top.
function aws {
  # `whence -p` searches PATH at every call, without forking, and ignores
  # stale hash entries, so `aws` keeps working if awsx is uninstalled.
  if whence -p awsx >/dev/null; then
    command awsx "$@"
  else
    command aws "$@"
  fi
}

# Completion is keyed by command name, so whatever compinit set for aws (e.g.
# a packaged _aws, or `complete -C aws_completer aws`) applies unchanged. If
# nothing is set yet, use the aws CLI's own completer through bashcompinit,
# as the AWS docs do. Without compinit this does nothing.
if (( $+functions[compdef] && ! $+_comps[aws] )) && whence -p aws_completer >/dev/null; then
  (( $+functions[complete] )) || { autoload -Uz bashcompinit && bashcompinit; }
  complete -C aws_completer aws
fi
