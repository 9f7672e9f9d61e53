// npm run compile [-- --target linux-amd64 ...] [--out DIR] [--no-launcher]: kubectl-oidc as one executable per OS and
// CPU, compiled by Bun (a devDependency) from the same sources as dist/, each with its target's OS-keychain module
// inside, and for Linux and Windows the native launcher in front of it (scripts/native-launcher.mjs; not with
// --no-launcher). Runs under Bun (Bun.build): `bun scripts/compile.mjs`. Default: every target of scripts/targets.mjs,
// into build/<os>-<arch>/ as the archives lay them out: kubectl-oidc (the launcher), kubectl-oidc-bin (the program).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { signAdHoc, validlySigned } from './executable-format.mjs';
import { hitListsPlugin } from './hit-lists.mjs';
import { buildNativeLauncher, hasNativeLauncher } from './native-launcher.mjs';
import { executablePath, keyringModuleOf, launcherPath, ROOT, runtimeOf, TARGETS, targetName } from './targets.mjs';

const argv = process.argv.slice(2);
const valuesOf = (flag) => argv.flatMap((arg, i) => (arg === flag && argv[i + 1] ? [argv[i + 1]] : []));
const wanted = valuesOf('--target');
const out = valuesOf('--out')[0] ? resolve(valuesOf('--out')[0]) : join(ROOT, 'build');
const unknown = wanted.filter((name) => !TARGETS.some((target) => targetName(target) === name));
if (unknown.length) throw new Error(`unknown target ${unknown.join(', ')} (known: ${TARGETS.map(targetName).join(', ')})`);
const targets = wanted.length ? TARGETS.filter((target) => wanted.includes(targetName(target))) : TARGETS;
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
// The hit's lists as constants: the hit reader does not load the option table.
const hitLists = await hitListsPlugin(ROOT);

for (const target of targets) {
  const native = keyringModuleOf(target);
  const digest = createHash('sha256').update(readFileSync(native)).digest('hex');
  const outfile = executablePath(target, out);
  const result = await Bun.build({
    // The hit reader, and the rest of the program as a bundle of its own that it loads on a miss (src/executable.ts).
    entrypoints: [join(ROOT, 'src', 'executable.ts'), join(ROOT, 'src', 'executable-miss.ts')],
    minify: true,
    // Precompiled: parsing the bundle at every start would cost a cache hit ~50 ms.
    bytecode: true,
    // The version, and the platform it was built for: `--version` says both, and a build that cannot run here can be
    // checked for it (test/support/executable-format.ts).
    define: { __VERSION__: JSON.stringify(`${version} (${target.os}/${target.arch})`) },
    plugins: [
      hitLists,
      {
        // The target's keychain module in place of @napi-rs/keyring's loader (which looks for the running machine's).
        name: 'target-keyring',
        setup(build) {
          build.onResolve({ filter: /^@napi-rs\/keyring$/ }, () => ({ path: 'keyring', namespace: 'target-keyring' }));
          // Embedded as a file, placed once per version in a per-user directory and loaded from there by its absolute
          // path (src/keychain/native-module.ts), not unpacked by the runtime on every run.
          build.onLoad({ filter: /.*/, namespace: 'target-keyring' }, () => ({
            contents: [
              `import { loadEmbeddedModule } from ${JSON.stringify(join(ROOT, 'src', 'keychain', 'native-module.ts'))};`,
              `import embedded from ${JSON.stringify(native)} with { type: 'file' };`,
              `export default loadEmbeddedModule(embedded, ${JSON.stringify(digest)}, 'keyring');`,
            ].join('\n'),
            loader: 'js',
          }));
        },
      },
    ],
    compile: { target: target.bun, outfile, executablePath: runtimeOf(target) },
  });
  if (!result.success) throw new AggregateError(result.logs, `compiling ${targetName(target)} failed`);
  // macOS runs nothing on arm64 without a valid signature; Bun signs its darwin-arm64 output ad hoc, but leaves the
  // runtime's stale signature on darwin-x64. What does not match its file is signed ad hoc here.
  if (target.os === 'darwin') {
    const built = readFileSync(outfile);
    if (!validlySigned(built)) writeFileSync(outfile, signAdHoc(built, 'kubectl-oidc'));
  }
  process.stdout.write(`${outfile}\n`);
  if (hasNativeLauncher(target) && !argv.includes('--no-launcher')) {
    await buildNativeLauncher(target, launcherPath(target, out));
    process.stdout.write(`${launcherPath(target, out)}\n`);
  }
}
