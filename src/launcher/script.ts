import {
  FALSE_SPELLINGS,
  FORCE_REFRESH_VARIABLE,
  HIT_ENVIRONMENT,
  HIT_FORMAT,
  IDENTITY_ENVIRONMENT,
  SECRET_ENVIRONMENT,
  SECRET_FLAGS,
  SEPARATOR,
  UNJUDGED,
} from '../hit/signature.js';
import { shellQuote } from '../shell-quote.js';

/** The compiled executable's name beside the launcher in a release archive (Linux and macOS). */
const EXECUTABLE_BESIDE = 'kubectl-oidc-bin';

/** sh that sets $here to the directory of the script itself, following the symlinks krew and Homebrew put on PATH. */
const resolveSelf = `  self=$0
  while [ -h "$self" ]; do
    link=$(readlink "$self")
    case $link in /*) self=$link ;; *) case $self in */*) self=\${self%/*}/$link ;; *) self=$link ;; esac ;; esac
  done
  case $self in */*) here=\${self%/*} ;; *) here=. ;; esac`;

/**
 * The installed `kubectl-oidc` on Linux and macOS: a POSIX sh script (dash, bash --posix, macOS /bin/sh) that answers a
 * cache hit from the session's hit file with builtins, `date +%s` and `ls -ln`, and execs the full program (Node, or
 * the compiled executable beside it in a release archive) for anything else. A hit means: `get-token`, arguments and environment byte for byte those the file was written for (secrets blanked),
 * nothing it cannot judge (UNJUDGED: -v, --force-refresh, --help), a session file of its name in the cache directory (a
 * logout removes that first), a regular file we own, exactly 0600 (no ACL), of exactly six
 * lines, a credential still fresh (an expiry of 1 to 12 digits), an apiVersion it has. Node's reader
 * (hit/node-hit.ts) keeps the same contract; test/e2e/hit-readers.test.ts holds both to one table of cases.
 */
export const launcherScript = (settings: { node: string; entry: string } | 'executable'): string => {
  const us = SEPARATOR;
  // npm's install knows both paths. A release archive ('executable') runs the compiled executable beside the script,
  // found through the links that krew or Homebrew put on PATH (resolved only on the way to it).
  const fullPath =
    settings === 'executable'
      ? `full_path() {
${resolveSelf}
  exec "$here/${EXECUTABLE_BESIDE}" "$@"
}`
      : `node=${shellQuote(settings.node)}
[ -x "$node" ] || node=node
full_path() { exec "$node" ${shellQuote(settings.entry)} "$@"; }`;
  return `#!/bin/sh
# kubectl-oidc launcher (generated at install or release): a fresh cached credential from its hit file; anything else
# to the full program.
${fullPath}
[ "\${1-}" = get-token ] || full_path "$@"
case \${${FORCE_REFRESH_VARIABLE}+set} in set) case $${FORCE_REFRESH_VARIABLE} in ${FALSE_SPELLINGS.map((word) => word || "''").join('|')}) ;; *) full_path "$@" ;; esac ;; esac
${IDENTITY_ENVIRONMENT.map((name) => `[ -z "\${${name}+set}" ] || full_path "$@"`).join('\n')}
args=
dir=
want=
secret=
for arg do
  case $arg in ${UNJUDGED.join('|')}) full_path "$@" ;; esac
  if [ -n "$want" ]; then dir=$arg; want=; fi
  case $arg in --token-cache-dir=*) dir=\${arg#--token-cache-dir=} ;; --token-cache-dir) want=1 ;; esac
  if [ -n "$secret" ]; then arg=; secret=; fi
  case $arg in ${SECRET_FLAGS.map((flag) => `${flag}=*`).join('|')}) arg=\${arg%%=*}= ;; ${SECRET_FLAGS.join('|')}) secret=1 ;; esac
  args=$args$arg${us}
done
args=\${args%${us}}
env=
for name in ${HIT_ENVIRONMENT.join(' ')}; do
  eval "set_=\\\${$name+s} value_=\\\${$name-}"
  case $name in ${SECRET_ENVIRONMENT.join('|')}) value_= ;; esac
  if [ -n "$set_" ]; then env=\${env}s$value_${us}; else env=\${env}u${us}; fi
done
env=\${env%${us}}
[ -n "$dir" ] || dir=\${KUBECTL_OIDC_TOKEN_CACHE_DIR-}
# ~ and ~/… as the full program reads them.
case $dir in '~' | '~/'*) [ -n "\${HOME-}" ] || full_path "$@"; dir=$HOME\${dir#'~'} ;; esac
if [ -z "$dir" ]; then
  # Without HOME the sessions are in the account's home, which only the full program knows.
  if [ -n "\${KUBECACHEDIR-}" ]; then dir=$KUBECACHEDIR/kubectl-oidc; elif [ -n "\${HOME-}" ]; then dir=$HOME/.kube/cache/kubectl-oidc; else full_path "$@"; fi
fi
# Only the top-level apiVersion decides: kubectl (Go) writes it before "spec", whose cluster config may carry its own.
# Anything else goes to the full program, which parses the JSON.
top_=\${KUBERNETES_EXEC_INFO%%'"spec"'*}
case $top_ in
  '') version=v1beta1 ;;
  *'"apiVersion":"client.authentication.k8s.io/v1beta1"'*) version=v1beta1 ;;
  *'"apiVersion":"client.authentication.k8s.io/v1"'*) version=v1 ;;
  *) full_path "$@" ;;
esac
now=
for file in "$dir"/*.hit \${XDG_RUNTIME_DIR:+"$XDG_RUNTIME_DIR"/kubectl-oidc/*.hit}; do
  [ -f "$file" ] && [ -O "$file" ] || continue
  # A hit stands for a session the cache still has: once logged out, a hit file left anywhere is dead.
  key_=\${file##*/}
  [ -f "$dir/\${key_%.hit}.json" ] || continue
  extra_=
  { IFS= read -r format_ && IFS= read -r until_ && IFS= read -r args_ && IFS= read -r env_ &&
    IFS= read -r v1_ && IFS= read -r v1beta1_ && ! IFS= read -r extra_ && [ -z "$extra_" ]; } 2>/dev/null <"$file" || continue
  [ "$format_" = ${shellQuote(HIT_FORMAT)} ] && [ "$args_" = "$args" ] && [ "$env_" = "$env" ] || continue
  case $until_ in '' | *[!0-9]* | ?????????????*) continue ;; esac
  [ -n "$now" ] || now=$(command date +%s)
  [ "$now" -lt "$until_" ] || continue
  case $(command ls -ln "$file" 2>/dev/null) in '-rw------- '* | '-rw-------.'* | '-rw-------@'*) ;; *) continue ;; esac
  if [ "$version" = v1 ]; then printf '%s\\n' "$v1_"; else printf '%s\\n' "$v1beta1_"; fi
  exit 0
done
full_path "$@"
`;
};

/** kubectl's completion hook in a release archive (kubectl_complete-oidc, kubectl 1.26+): the executable beside it. */
export const completionHookScript = (): string => `#!/bin/sh
# kubectl's completion of \`kubectl oidc …\` runs kubectl_complete-oidc with the words after it.
${resolveSelf}
exec "$here/${EXECUTABLE_BESIDE}" __complete "$@"
`;
