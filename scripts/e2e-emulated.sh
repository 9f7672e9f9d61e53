#!/bin/sh
# The linux/arm64 executable under emulation: QEMU user mode from Debian (qemu-user-static, with the aarch64 C library and
# libgcc of libc6-arm64-cross and libgcc-s1-arm64-cross as its sysroot; binfmt_misc is not mounted here, so the emulator
# is named in a wrapper), through the end-to-end files that tell most per minute under emulation: a browser login through
# real kubectl, a cached call with no IdP request, a refresh, the apiVersions, a busy port; and the Secret Service
# keychain. The wrapper runs the program itself (kubectl-oidc-bin): the native launcher in front of it would exec an arm64
# file, which the kernel cannot run without binfmt_misc; the launcher's own hits run under QEMU in hit-readers.test.ts.
# `.ci/run` runs it after the amd64 executable's run.
set -eu
cd "$(dirname "$0")/.."
node_modules/.bin/bun scripts/compile.mjs --target linux-arm64 >/dev/null
wrapper=$(mktemp -d)
trap 'rm -rf "$wrapper"' EXIT
cat >"$wrapper/kubectl-oidc" <<WRAPPER
#!/bin/sh
exec '$(command -v qemu-aarch64-static)' -L /usr/aarch64-linux-gnu '$PWD/build/linux-arm64/kubectl-oidc-bin' "\$@"
WRAPPER
chmod 755 "$wrapper/kubectl-oidc"
# What runs is the arm64 executable, not this machine's: it says so.
case $("$wrapper/kubectl-oidc" --version) in *'(linux/arm64)') ;; *) echo "e2e-emulated: the wrapper did not run the arm64 executable" >&2; exit 1 ;; esac
KUBECTL_OIDC_PLUGIN="$wrapper/kubectl-oidc" node_modules/.bin/vitest run test/e2e/kubectl-login.test.ts test/e2e/keyring.test.ts
