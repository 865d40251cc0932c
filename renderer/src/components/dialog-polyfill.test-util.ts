/**
 * jsdom has <dialog> and its `open` attribute but not showModal() or close(). For component tests these do what
 * a browser does that the tests rely on: set or clear `open`, move focus to the dialog's first focusable element,
 * and fire "close" (also what Escape ends in).
 */
export function installDialogPolyfill(): void {
  const proto = HTMLDialogElement.prototype;
  if (typeof proto.showModal === 'function') return;
  proto.showModal = function showModal(this: HTMLDialogElement) {
    this.open = true;
    this.querySelector<HTMLElement>('button, a[href], input, select, textarea, [tabindex]')?.focus();
  };
  proto.close = function close(this: HTMLDialogElement) {
    if (!this.open) return;
    this.open = false;
    this.dispatchEvent(new Event('close'));
  };
}
