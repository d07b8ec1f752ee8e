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

echo "== versions"
"$PY" -c 'import awscli, moto; print("aws v1", awscli.__version__, "| moto", moto.__version__)'
/usr/bin/aws --version
command -v moto_server >/dev/null || { echo "moto_server not on PATH" >&2; exit 1; }

scripts/install-oracle.sh
echo "== cargo fmt --check"
cargo fmt --check
echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings
echo "== cargo test"
AWSX_REQUIRE_SHELLS=1 cargo test
