/** The pages a person sees in the browser at the end of a login. Small, self-contained, and never holding a token. */

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const layout = (title: string, tone: 'ok' | 'error', heading: string, body: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: Canvas; color: CanvasText; }
  main { max-width: 32rem; padding: 2.5rem; text-align: center; }
  .mark { font-size: 3rem; line-height: 1; width: 4.5rem; height: 4.5rem; margin: 0 auto 1rem; border-radius: 50%;
    display: grid; place-items: center; color: #fff; background: ${tone === 'ok' ? '#1a7f37' : '#cf222e'}; }
  h1 { font-size: 1.5rem; margin: 0 0 .75rem; }
  p { margin: .5rem 0; line-height: 1.5; opacity: .85; }
  code { font-size: .95em; }
</style>
</head>
<body>
<main>
<div class="mark" aria-hidden="true">${tone === 'ok' ? '&#10003;' : '!'}</div>
<h1 id="heading">${escapeHtml(heading)}</h1>
${body}
</main>
</body>
</html>
`;

export const successPage = (account?: string): string =>
  layout(
    'Logged in — kubectl-oidc',
    'ok',
    'You are logged in',
    `${account ? `<p id="account">Signed in as <strong>${escapeHtml(account)}</strong>.</p>` : ''}` +
      '<p>kubectl has your credentials. You can close this tab and go back to your terminal.</p>',
  );

export const errorPage = (heading: string, detail: string, advice = 'Go back to your terminal for details.'): string =>
  layout(`${heading} — kubectl-oidc`, 'error', heading, `<p id="detail">${escapeHtml(detail)}</p><p>${escapeHtml(advice)}</p>`);
