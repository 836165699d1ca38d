#!/usr/bin/env bash
# Starts scim2-server, the real strict SCIM 2.0 backend the integration tests
# run scimshim against, or only prepares its Python environment.
#
# usage: tests/support/strict-backend.sh PORT [VENV_DIR] [-- SERVER_FLAGS...]
#        tests/support/strict-backend.sh --install-only [VENV_DIR]
#
#   PORT      port to listen on, always on 127.0.0.1
#   VENV_DIR  virtual environment (default: target/scim-venv); created and
#             filled with the pinned packages on first use
#   after --  flags for scim2-server, e.g. -- --bearer-token s3cret
#
# The server runs in the foreground (exec) so the caller keeps its PID. It is
# ready when `GET http://127.0.0.1:PORT/v2/ServiceProviderConfig` answers 200.
# PYTHON picks the interpreter that creates the venv (3.11 or newer).
set -euo pipefail

# Pinned: the tests match on statuses and scimType values of these versions.
SCIM2_SERVER_VERSION="0.8.3"
SCIM2_CLI_VERSION="0.6.0"

usage() {
  echo "usage: $0 PORT [VENV_DIR] [-- SERVER_FLAGS...] | $0 --install-only [VENV_DIR]" >&2
  exit 2
}

[ $# -ge 1 ] || usage
INSTALL_ONLY=0
PORT=""
if [ "$1" = "--install-only" ]; then
  INSTALL_ONLY=1; shift
else
  PORT="$1"; shift
  case "$PORT" in ''|*[!0-9]*) echo "error: PORT must be a number, got '$PORT'" >&2; usage ;; esac
fi
VENV_DIR="target/scim-venv"
if [ $# -ge 1 ] && [ "$1" != "--" ]; then VENV_DIR="$1"; shift; fi
if [ $# -ge 1 ] && [ "$1" = "--" ]; then shift; fi

PY="$VENV_DIR/bin/python"
version_of() {
  "$PY" -c "import importlib.metadata as m; print(m.version('$1'))" 2>/dev/null || true
}

# A lock so that parallel callers do not build the same venv at once.
mkdir -p "$(dirname "$VENV_DIR")"
exec 9>"$VENV_DIR.lock"
flock 9
if [ ! -x "$PY" ]; then
  echo "strict-backend: creating $VENV_DIR" >&2
  "${PYTHON:-python3}" -m venv "$VENV_DIR"
fi
if [ "$(version_of scim2-server)" != "$SCIM2_SERVER_VERSION" ] || [ "$(version_of scim2-cli)" != "$SCIM2_CLI_VERSION" ]; then
  echo "strict-backend: installing scim2-server==$SCIM2_SERVER_VERSION scim2-cli==$SCIM2_CLI_VERSION" >&2
  "$PY" -m pip install --quiet --disable-pip-version-check \
    "scim2-server==$SCIM2_SERVER_VERSION" "scim2-cli==$SCIM2_CLI_VERSION" >&2
fi
flock -u 9

[ "$INSTALL_ONLY" = 1 ] && exit 0
# `python -m` rather than the console script, whose shebang pins the venv path.
exec "$PY" -m scim2_server.testserver.cli --hostname 127.0.0.1 --port "$PORT" "$@"
