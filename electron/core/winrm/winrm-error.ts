/** The errors a WinRM session reports, each with a kind a caller can act on. */

export type WinrmErrorKind =
  | 'auth-failed'
  | 'cert-changed'
  | 'http'
  | 'timeout'
  | 'protocol'
  /** The connection dropped after a Command or stdin was sent: whether it ran is unknown, so it was not sent again. */
  | 'state-unknown'
  /** The connection dropped again right after the one reconnection allowed per operation. */
  | 'connection-lost'
  /** The command's output passed the session's limit; the command was stopped and its shell deleted. */
  | 'output-limit';

export class WinrmError extends Error {
  /** `presented`: for cert-changed, the SHA-256 of the certificate the server presented. */
  constructor(readonly kind: WinrmErrorKind, message: string, readonly presented?: string) {
    super(message);
    this.name = 'WinrmError';
  }
}
