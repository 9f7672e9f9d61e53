#!/bin/sh
# The linux/arm64 executable under emulation: QEMU user mode from Debian (qemu-user-static, with the aarch64 C library and
# libgcc of libc6-arm64-cross and libgcc-s1-arm64-cross as its sysroot; binfmt_misc is not mounted here, so the emulator
# is named in a wrapper), through the cases of two end-to-end files where the CPU matters (listed below). The wrapper
# runs the program itself (kubectl-oidc-bin): the native launcher in front of it would exec an arm64 file, which the
# kernel cannot run without binfmt_misc; the launcher's own hits run under QEMU in hit-readers.test.ts.
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
# The cases where the CPU and its libraries are what is tested: a browser login, the cached call, a refresh, the
# apiVersions, a busy port (the loopback server's sockets); the keychain over D-Bus, the arm64 keychain module placed
# and loaded, the hit file on the runtime tmpfs. The rest of both files is the same JavaScript as the amd64 run's.
only='logs in through the browser once|answers in the apiVersion|refreshes an expired token|falls back to the next --listen-address'
only="$only|seals a 16 KB ID token|the executable's keychain module|keyring storage: the hit file"
KUBECTL_OIDC_PLUGIN="$wrapper/kubectl-oidc" node_modules/.bin/vitest run -t "$only" test/e2e/kubectl-login.test.ts test/e2e/keyring.test.ts
