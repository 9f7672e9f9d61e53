// The native launcher (src/launcher/native.c) for a target: the release archives' kubectl-oidc on Linux and Windows,
// in front of the compiled program. Built with the target's C compiler from Debian, statically, with the option
// table's hit lists written into hit-lists.h. macOS has no compiler here: its archives keep the sh launcher.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hitLists } from './hit-lists.mjs';
import { ROOT, targetName } from './targets.mjs';

/** The C compiler of each target that has one, and the Debian package that brings it. */
const COMPILERS = {
  'linux-amd64': {
    cc: process.arch === 'x64' ? 'gcc' : 'x86_64-linux-gnu-gcc',
    debian: process.arch === 'x64' ? 'gcc' : 'gcc-x86-64-linux-gnu',
  },
  'linux-arm64': {
    cc: process.arch === 'arm64' ? 'gcc' : 'aarch64-linux-gnu-gcc',
    debian: process.arch === 'arm64' ? 'gcc' : 'gcc-aarch64-linux-gnu',
  },
  'windows-amd64': { cc: 'x86_64-w64-mingw32-gcc', debian: 'gcc-mingw-w64-x86-64-win32', flags: ['-municode'] },
};

/** Whether the target's archive has a native launcher (else the sh launcher). */
export const hasNativeLauncher = (target) => targetName(target) in COMPILERS;

/** The C compiler that builds a target's launcher here, and the Debian package that brings it. */
export const compilerOf = (target) => COMPILERS[targetName(target)];

const cArray = (name, values) => `static const char *const ${name}[] = {${values.map((v) => JSON.stringify(v)).join(', ')}};\n`;

/** hit-lists.h: the lists as C arrays (JSON strings are C strings for these ASCII values). */
export const hitListsHeader = (lists) =>
  [
    cArray('HIT_ENVIRONMENT', lists.environment),
    cArray('SECRET_FLAGS', lists.secretFlags),
    cArray('SECRET_ENVIRONMENT', lists.secretEnvironment),
    cArray('UNJUDGED', lists.unjudged),
    cArray('IDENTITY_ENVIRONMENT', lists.identityEnvironment),
    cArray('FALSE_SPELLINGS', lists.falseSpellings),
    `#define FORCE_REFRESH_VARIABLE ${JSON.stringify(lists.forceRefreshVariable)}\n`,
  ].join('');

/** Compiles the target's native launcher to outfile; throws one line naming the package when its compiler is missing. */
export const buildNativeLauncher = async (target, outfile) => {
  const compiler = compilerOf(target);
  if (!compiler) throw new Error(`no native launcher for ${targetName(target)}`);
  const include = mkdtempSync(join(tmpdir(), 'kubectl-oidc-launcher-'));
  try {
    writeFileSync(join(include, 'hit-lists.h'), hitListsHeader(await hitLists(ROOT)));
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    // The version names krew's store, where the Windows launcher looks when krew copied it alone.
    const args = [
      '-std=gnu11',
      '-Os',
      '-s',
      '-static',
      '-Wall',
      '-Wextra',
      '-Werror',
      `-DKUBECTL_OIDC_VERSION="v${version}"`,
      ...(compiler.flags ?? []),
    ];
    execFileSync(compiler.cc, [...args, '-I', include, '-o', outfile, join(ROOT, 'src', 'launcher', 'native.c')], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  } catch (err) {
    if (err.code === 'ENOENT')
      throw new Error(`${compiler.cc} not found: the ${targetName(target)} launcher needs it (Debian: apt-get install ${compiler.debian})`);
    throw err;
  } finally {
    rmSync(include, { recursive: true, force: true });
  }
};
