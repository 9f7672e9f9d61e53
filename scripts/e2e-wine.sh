#!/bin/sh
# The windows/amd64 executable under Wine (Debian's wine64 8.0): not Windows, an emulation of its API. Wine 8 lacks
# bcryptprimitives.dll's ProcessPrng, which the executable imports: a stub (scripts/wine/process-prng.c, built here with
# MinGW-w64) gives it BCryptGenRandom's bytes. Then test/e2e/wine.test.ts runs, through the native launcher
# (kubectl-oidc.exe) in front of the program (kubectl-oidc-bin.exe) as the zip has them, a password login, the cached
# call with no IdP request (answered by the launcher alone), status and logout with disk storage, the keychain, the OS
# trust store. `.ci/run` runs it after the arm64 run.
set -eu
cd "$(dirname "$0")/.."
node_modules/.bin/bun scripts/compile.mjs --target windows-amd64 >/dev/null
work=$(mktemp -d)
# The test reads the prefix too: where Wine keeps the user's %LOCALAPPDATA% and %TEMP%.
export WINEPREFIX="$work/prefix" WINEDEBUG=-all
trap '/usr/lib/wine/wineserver -k 2>/dev/null || true; rm -rf "$work"' EXIT
x86_64-w64-mingw32-gcc -shared -O2 -o "$work/bcryptprimitives.dll" scripts/wine/process-prng.c -Wl,--export-all-symbols -lbcrypt
/usr/lib/wine/wine64 wineboot --init >/dev/null 2>&1
# One wineserver for the whole run: the one wineboot started exits 3 s after its last client, and a client that
# connects as it goes gets "wine client error:0: recvmsg: Connection reset by peer" (a CI run failed so).
/usr/lib/wine/wineserver -w
/usr/lib/wine/wineserver -p >/dev/null 2>&1
# Its system processes (services.exe, explorer.exe…) start with the first program and live as long as the server: start
# them here, away from the test's pipes, which they would otherwise hold open until the end of the run.
/usr/lib/wine/wine64 wineboot >/dev/null 2>&1
cp "$work/bcryptprimitives.dll" "$work/prefix/drive_c/windows/system32/"
cat >"$work/kubectl-oidc" <<WRAPPER
#!/bin/sh
WINEPREFIX='$work/prefix' WINEDEBUG=-all WINEDLLOVERRIDES='bcryptprimitives=n,b' exec /usr/lib/wine/wine64 '$PWD/build/windows-amd64/kubectl-oidc.exe' "\$@"
WRAPPER
chmod 755 "$work/kubectl-oidc"
KUBECTL_OIDC_PLUGIN="$work/kubectl-oidc" KUBECTL_OIDC_TARGET=windows/amd64 KUBECTL_OIDC_WINDOWS_BUILD="$PWD/build/windows-amd64" \
   node_modules/.bin/vitest run test/e2e/wine.test.ts
