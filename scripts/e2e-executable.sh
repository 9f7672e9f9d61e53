#!/bin/sh
# The core end-to-end files (and login, whose second case exchanges for an audience) against the compiled linux/amd64
# executable, with Node hidden from it: in a private mount namespace every `node` on PATH is /dev/null (not
# executable), and the test runner runs on a copy of node off PATH (its workers, the test IdP and the browser driver use
# that copy through process.execPath). Needs root, or unprivileged user namespaces. `.ci/run` runs it after the README's
# test command.
set -eu
cd "$(dirname "$0")/.."
node_modules/.bin/bun scripts/compile.mjs --target linux-amd64 >/dev/null
runtime=$(mktemp -d)
trap 'rm -rf "$runtime"' EXIT
cp "$(command -v node)" "$runtime/test-runner"
export KUBECTL_OIDC_PLUGIN="$PWD/build/linux-amd64/kubectl-oidc" KUBECTL_OIDC_NODE_HIDDEN=1
if [ "$(id -u)" = 0 ]; then namespace='unshare --mount'; else namespace='unshare --user --map-root-user --mount'; fi
$namespace sh -c '
  runner=$1; shift
  IFS=:
  for dir in $PATH; do [ -e "$dir/node" ] && mount --bind /dev/null "$dir/node"; done
  unset IFS
  exec "$runner" node_modules/vitest/vitest.mjs run "$@"
' sh "$runtime/test-runner" \
  test/e2e/kubectl-login.test.ts test/e2e/grants.test.ts test/e2e/keyring.test.ts test/e2e/sessions.test.ts \
  test/e2e/hit-readers.test.ts test/e2e/login.test.ts test/e2e/fix-lines.test.ts
