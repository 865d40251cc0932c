/**
 * The Content Security Policy for every page of the app, in Electron and in the browser: only our own
 * scripts and styles, no inline code, no frames, no plugins, connections only back to where the page came
 * from (in the browser, the host's own WebSocket).
 */
export function contentSecurityPolicy(): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}
