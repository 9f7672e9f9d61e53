import { servedHit } from './hit/node-hit.js';

// The compiled executable's entry: the hit file first, as bin/kubectl-oidc does for Node. The rest of the program is a
// second bundle inside the executable (src/executable-miss.ts, compiled beside this one by scripts/compile.mjs), loaded
// only on a miss: a hit neither loads nor compiles it. The name is not a literal, so that the bundler leaves it out
// of this one.
const MISS = './executable-miss.js';
if (!servedHit(Date.now())) import(MISS);
