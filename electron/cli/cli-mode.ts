/**
 * The installed app's command line: the packaged Electron binary runs the CLI in its main process when given
 * `--cli` (the launcher /usr/bin/patchwell does this). Not ELECTRON_RUN_AS_NODE: that fuse stays off, so the
 * binary runs only Patchwell's own code, with the native modules built for it.
 */

/** Switches that put the app binary into command-line mode: no display is needed, and no window opens. */
export const ELECTRON_CLI_SWITCHES = ['--ozone-platform=headless', '--disable-gpu', '--cli'] as const;

/** The command line's own arguments when the binary was started in command-line mode; null for the desktop app. */
export function cliArgsFrom(argv: readonly string[]): string[] | null {
  const i = argv.indexOf('--cli');
  return i === -1 ? null : argv.slice(i + 1);
}
