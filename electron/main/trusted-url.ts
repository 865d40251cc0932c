/**
 * Pure URL checks for the window's security handlers, kept free of Electron so they are tested directly
 * against hostile inputs.
 */

/** The origin the app's pages are served from (see the app:// protocol handler). */
export const APP_ORIGIN = 'app://patchwell';

/** True only for pages of the app itself. */
export function isAppUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return url.protocol === 'app:' && url.host === 'patchwell' && url.username === '' && url.password === '' && url.port === '';
}

/**
 * Maps an app:// URL to a file path relative to the renderer folder, or null when it would leave it
 * (encoded dots, backslashes, NUL bytes...).
 */
export function appUrlToRelativePath(raw: string): string | null {
  if (!isAppUrl(raw)) return null;
  const { pathname } = new URL(raw);
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const parts = decoded.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '..' || p === '.')) return null;
  return parts.length === 0 ? 'index.html' : parts.join('/');
}

/** Navigation away from the loaded page is never allowed, not even within the app (it is a single page). */
export function allowNavigation(_from: string, _to: string): boolean {
  return false;
}

/** External links the user clicks may open in the system browser: https only, no credentials in them. */
export function isSafeExternalUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return url.protocol === 'https:' && url.username === '' && url.password === '' && url.hostname.includes('.');
}
