// Writes two different large session files over one path, forever, with the plugin's own atomic writer,
// reporting each completed write on stderr. A test kills it with SIGKILL mid-write.
import { writeFileAtomic } from '../../src/session/file-store.js';

const [path] = process.argv.slice(2);
const contents = ['a', 'b'].map((fill) => JSON.stringify({ format: 'kubectl-oidc/session/v1', tokens: { idToken: fill.repeat(4 << 20) } }));
for (let i = 0; ; i++) {
  await writeFileAtomic(path!, contents[i % 2]!);
  process.stderr.write(`wrote ${i}\n`);
}
