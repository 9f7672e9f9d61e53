import { servedHit } from './hit/node-hit.js';

// The compiled executable's entry: the hit file first, as bin/kubectl-oidc does for Node; the rest is in the same
// file, evaluated only when this run needs it.
if (!servedHit(Date.now())) {
  import('./cli/main.js').then(({ main }) =>
    main({ getToken: () => import('./cli/run-get-token.js'), cli: () => import('./cli/program.js') }),
  );
}
