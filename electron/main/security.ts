/**
 * Electron's security handlers, installed once for every web contents: no navigation, no new windows, no
 * webviews, no permissions, a strict CSP on every response, and IPC accepted only from the app's own page.
 */
import { app, session, shell, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { contentSecurityPolicy } from '../host/csp';
import { allowNavigation, isAppUrl, isSafeExternalUrl } from './trusted-url';

export function installSecurityHandlers(): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-navigate', (e, url) => {
      if (!allowNavigation(contents.getURL(), url)) e.preventDefault();
    });
    contents.on('will-redirect', (e) => e.preventDefault());
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // Links to documentation may open in the user's browser; nothing opens inside the app.
      if (isSafeExternalUrl(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });

  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [contentSecurityPolicy()],
        'X-Content-Type-Options': ['nosniff'],
      },
    });
  });
}

/** IPC is answered only for the main frame of an app page, never for an iframe or a foreign page. */
export function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && isAppUrl(frame.url);
}
