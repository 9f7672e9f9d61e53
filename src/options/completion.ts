import { COMMANDS, isCommand } from './commands.js';
import { type Row, rowsOf } from './table.js';

export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;
export type Shell = (typeof SHELLS)[number];

/** Cobra's directives (the last line of an answer), which kubectl's plugin completion relays to the shell. */
const NO_FILES = 4;
const FILES = 0;

export interface Completion {
  candidates: string[];
  /** Cobra's ShellCompDirective: 4 offers no file names when there is no candidate, 0 lets the shell offer them. */
  directive: number;
}

/** Rows whose value is a path: the shell completes file names for them. */
const takesPath = (row: Row): boolean => row.value === '<file>' || row.value === '<dir>';

/** What a row's value may be: its choices; nothing known otherwise. */
const valuesOf = (row: Row): readonly string[] => row.choices ?? [];

/**
 * Shell completion of `kubectl-oidc <words…>`, the last word being the one under the cursor (empty after a space), as
 * Cobra's `__complete` answers it — the protocol kubectl uses for plugins (kubectl_complete-oidc) and our own shell
 * scripts use too. Derived from the option table: commands, flags, and the values of choice flags.
 */
export const complete = (words: readonly string[]): Completion => {
  const partial = words.at(-1) ?? '';
  const starting = (list: readonly string[]): string[] => list.filter((candidate) => candidate.startsWith(partial));
  if (words.length <= 1) return { candidates: starting(Object.keys(COMMANDS)), directive: NO_FILES };
  const typed = words[0];
  if (typed === 'completion') return { candidates: words.length === 2 ? starting(SHELLS) : [], directive: NO_FILES };
  const command = isCommand(typed) ? COMMANDS[typed] : undefined;
  if (!command) return { candidates: [], directive: NO_FILES };
  const rows = rowsOf(command);
  const byName = new Map(rows.map((row) => [`--${row.name}`, row]));

  const eq = partial.indexOf('=');
  if (partial.startsWith('--') && eq > 0) {
    const row = byName.get(partial.slice(0, eq));
    if (!row) return { candidates: [], directive: NO_FILES };
    if (takesPath(row)) return { candidates: [], directive: FILES };
    // Cobra answers the bare values; each shell's script keeps the `--flag=` the user typed.
    const value = partial.slice(eq + 1);
    return { candidates: valuesOf(row).filter((candidate) => candidate.startsWith(value)), directive: NO_FILES };
  }
  const previous = words.length >= 3 ? byName.get(words.at(-2)!) : undefined;
  if (previous && previous.kind !== 'boolean' && !partial.startsWith('-')) {
    if (takesPath(previous)) return { candidates: [], directive: FILES };
    return { candidates: starting(valuesOf(previous)), directive: NO_FILES };
  }
  if (partial.startsWith('-')) {
    // By name, as Cobra lists a command's flags.
    const flags = rows.flatMap((row) => [`--${row.name}`, ...(row.short ? [`-${row.short}`] : [])]);
    return { candidates: starting([...flags, '--help'].sort()), directive: NO_FILES };
  }
  return { candidates: [], directive: NO_FILES };
};

/** The answer as Cobra prints it: a candidate per line, then `:<directive>`. */
export const formatCompletion = ({ candidates, directive }: Completion): string =>
  `${candidates.map((candidate) => `${candidate}\n`).join('')}:${directive}\n`;

const BASH = `# bash completion for kubectl-oidc: source <(kubectl-oidc completion bash)
_kubectl_oidc() {
  local line=\${COMP_LINE:0:COMP_POINT} out directive candidate
  local -a words=()
  read -ra words <<< "$line"
  [[ $line == *[[:space:]] ]] && words+=('')
  out=$("\${words[0]}" __complete "\${words[@]:1}" 2>/dev/null) || return 0
  directive=\${out##*:}
  out=\${out%:*}
  # The values of --flag=… come bare, and bash replaces only what follows the = (a word break): the flag stays.
  COMPREPLY=()
  while IFS= read -r candidate; do
    [[ -n $candidate ]] && COMPREPLY+=("$candidate")
  done <<< "$out"
  if [[ \${#COMPREPLY[@]} -eq 0 && $((directive & 4)) -eq 0 ]]; then
    compopt -o default 2>/dev/null
  fi
  return 0
}
complete -F _kubectl_oidc kubectl-oidc
`;

const ZSH = `#compdef kubectl-oidc
# zsh completion for kubectl-oidc: source <(kubectl-oidc completion zsh) after compinit, or save as _kubectl-oidc in $fpath
_kubectl_oidc() {
  local out directive
  local -a candidates
  out=$("\${words[1]}" __complete "\${(@)words[2,CURRENT]}" 2>/dev/null) || return 1
  directive=\${out##*:}
  candidates=("\${(@f)\${out%:*}}")
  candidates=(\${candidates:#})
  # The values of --flag=… come bare: the typed --flag= stays as it is.
  [[ \${words[CURRENT]} == -*=* ]] && compset -P '*='
  if (( \${#candidates} )); then
    compadd -Q -- \${candidates}
  elif (( (directive & 4) == 0 )); then
    _files
  fi
}
if [[ $funcstack[1] == _kubectl_oidc ]]; then _kubectl_oidc "$@"; else compdef _kubectl_oidc kubectl-oidc; fi
`;

const FISH = `# fish completion for kubectl-oidc: kubectl-oidc completion fish | source
function __kubectl_oidc_complete
    set -l words (commandline -opc) (commandline -ct)
    set -l out ($words[1] __complete $words[2..-1] 2>/dev/null)
    # The values of --flag=… come bare; fish replaces the whole word, so the typed --flag= goes in front.
    set -l flag (string match -r -- '^-[^=]*=' $words[-1])
    for candidate in $out[1..-2]
        echo "$flag$candidate"
    end
    # No value offered and files allowed (Cobra's directive without its bit 4): the paths that start so.
    if test (count $out) -le 1; and test (math "bitand("(string trim -l -c : -- $out[-1])", 4)") -eq 0
        for path in (__fish_complete_path (string replace -r -- '^-[^=]*=' '' $words[-1]))
            echo "$flag$path"
        end
    end
end
complete -c kubectl-oidc -f -a '(__kubectl_oidc_complete)'
`;

const POWERSHELL = `# PowerShell completion for kubectl-oidc: kubectl-oidc completion powershell | Out-String | Invoke-Expression
Register-ArgumentCompleter -Native -CommandName 'kubectl-oidc', 'kubectl-oidc.cmd' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements | Where-Object { $_.Extent.StartOffset -lt $cursorPosition } | ForEach-Object { $_.ToString() })
    if ($wordToComplete -eq '') { $words += '' }
    $out = & $words[0] __complete @($words | Select-Object -Skip 1) 2>$null
    # The values of --flag=… come bare; PowerShell replaces the whole word, so the typed --flag= goes in front.
    $flag = if ($wordToComplete -match '^(-[^=]*=)') { $Matches[1] } else { '' }
    $out | Where-Object { $_ -notmatch '^:' } | ForEach-Object {
        [System.Management.Automation.CompletionResult]::new("$flag$_", $_, 'ParameterValue', $_)
    }
}
`;

/** The script that hooks `kubectl-oidc __complete` into a shell. */
export const completionScript = (shell: Shell): string => ({ bash: BASH, zsh: ZSH, fish: FISH, powershell: POWERSHELL })[shell];
