#!/usr/bin/env bash
# The one test command (README, CI): installs what the tests need when missing, pinned,
# then fmt, clippy and every test (unit, fixtures, real aws v1+v2 against moto and the stub).
set -euo pipefail
cd "$(dirname "$0")/.."

AWSCLI_V1=1.45.11
MOTO=5.2.1
PY=${PYTHON:-python3}

need_pip=()
"$PY" -c 'import awscli, sys; sys.exit(awscli.__version__ != "'"$AWSCLI_V1"'")' 2>/dev/null || need_pip+=("awscli==$AWSCLI_V1")
"$PY" -c 'import moto, flask, sys; sys.exit(moto.__version__ != "'"$MOTO"'")' 2>/dev/null || need_pip+=("moto[server]==$MOTO")
if ((${#need_pip[@]})); then
  echo "== pip install ${need_pip[*]}"
  "$PY" -m pip install --quiet --disable-pip-version-check "${need_pip[@]}"
  command -v pyenv >/dev/null && pyenv rehash || true
fi

need_apt=()
[ -x /usr/bin/aws ] || need_apt+=(awscli)
for p in zsh fish shellcheck tmux less; do command -v "$p" >/dev/null || need_apt+=("$p"); done
if ((${#need_apt[@]})); then
  echo "== apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# The newest aws CLI v2 (the one most users run: `aws: [ERROR]:`, --cli-error-format, aws login)
# from the offline wheel bundle into a venv of its own; tests call it by path
# (tests/common/mod.rs aws_v2_latest).
AWSCLI_V2_LATEST=2.36.7
V2_VENV=target/awscli-v$AWSCLI_V2_LATEST
# The bundle sits beside the project (../shared); a clone elsewhere finds it at the
# workplace's fixed path, or where AWSX_V2_BUNDLE says.
V2_BUNDLE=${AWSX_V2_BUNDLE:-}
for d in ../shared/vendor/awscli-v2 /work/shared/vendor/awscli-v2; do
  [ -z "$V2_BUNDLE" ] && [ -d "$d" ] && V2_BUNDLE=$d
done
V2_BUNDLE=${V2_BUNDLE:-../shared/vendor/awscli-v2}
if ! "$V2_VENV/bin/aws" --version 2>/dev/null | grep -q "^aws-cli/$AWSCLI_V2_LATEST "; then
  echo "== install aws v$AWSCLI_V2_LATEST from $V2_BUNDLE into $V2_VENV"
  rm -rf "$V2_VENV"
  if ! { "$PY" -m venv "$V2_VENV" &&
    "$V2_VENV/bin/pip" install --quiet --disable-pip-version-check --no-index \
      --find-links "$V2_BUNDLE" "awscli==$AWSCLI_V2_LATEST"; }; then
    rm -rf "$V2_VENV"
    if [ "${CI:-}" = 1 ] || [ "${AWSX_REQUIRE_SHELLS:-}" = 1 ]; then
      echo "error: could not install aws v$AWSCLI_V2_LATEST from $V2_BUNDLE (required in CI)" >&2
      exit 1
    fi
    echo "warning: aws v$AWSCLI_V2_LATEST not installed; tests that need it will fail" >&2
  fi
fi

echo "== versions"
"$PY" -c 'import awscli, moto; print("aws v1", awscli.__version__, "| moto", moto.__version__)'
/usr/bin/aws --version
[ -x "$V2_VENV/bin/aws" ] && "$V2_VENV/bin/aws" --version
command -v moto_server >/dev/null || { echo "moto_server not on PATH" >&2; exit 1; }

scripts/install-oracle.sh
echo "== cargo fmt --check"
cargo fmt --check
echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings
echo "== cargo test"
AWSX_REQUIRE_SHELLS=1 cargo test
