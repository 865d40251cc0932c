/**
 * POSIX shell quoting for argv elements. SSH runs a command line through the remote user's shell, so every
 * argument is wrapped in single quotes (inside which nothing is special) with embedded quotes closed and
 * escaped. NUL cannot be carried at all and is refused.
 */
export function shellQuote(arg: string): string {
  if (arg.includes('\0')) throw new Error('An argument contains a NUL byte');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('Empty command');
  return argv.map(shellQuote).join(' ');
}
