// The test IdP is oidc-provider in its development setup, which says so loudly when it is loaded and on every start.
// Scripts that run it for people to read (the demo, the bench, the release smoke) import this first, then the IdP.
for (const method of ['warn', 'info'] as const) {
  const original = console[method];
  console[method] = (...args: unknown[]) => (String(args[0]).includes('oidc-provider ') ? undefined : original(...args));
}
