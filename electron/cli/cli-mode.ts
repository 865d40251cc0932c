/**
 * The installed app's command line: the packaged Electron binary runs the CLI in its main process when given
 * `--cli` (the launcher /usr/bin/patchwell does this). Not ELECTRON_RUN_AS_NODE: that fuse stays off, so the
 * binary runs only Patchwell's own code, with the native modules built for it.
 */

/**
 * Switches that put the app binary into command-line mode: no display is needed and no window opens. No renderer
 * runs in this mode, so there is nothing for Chromium's sandbox to hold; without --no-sandbox Chromium refuses to
 * start as root (`sudo patchwell service install`) and cannot set its sandbox up under the service's
 * NoNewPrivileges and RestrictNamespaces. The launchers in build/ pass the same switches (a test compares them).
 */
export const ELECTRON_CLI_SWITCHES = ['--no-sandbox', '--ozone-platform=headless', '--disable-gpu', '--cli'] as const;

/** The command line's own arguments when the binary was started in command-line mode; null for the desktop app. */
export function cliArgsFrom(argv: readonly string[]): string[] | null {
  const i = argv.indexOf('--cli');
  return i === -1 ? null : argv.slice(i + 1);
}
