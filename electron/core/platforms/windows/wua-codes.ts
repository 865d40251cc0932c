/**
 * Windows Update result codes and HRESULTs in plain words, for the ones a small office meets.
 * Sources (facts, reworded):
 * - OperationResultCode (wuapi.h): orcNotStarted 0, orcInProgress 1, orcSucceeded 2, orcSucceededWithErrors 3,
 *   orcFailed 4, orcAborted 5 — https://learn.microsoft.com/en-us/windows/win32/api/wuapi/ne-wuapi-operationresultcode
 * - WUA success and error codes — https://learn.microsoft.com/en-us/windows/win32/wua_sdk/wua-success-and-error-codes-
 * - Windows Update error reference — https://learn.microsoft.com/en-us/windows/deployment/update/windows-update-error-reference
 * - wusa.exe returns the same HRESULTs as decimal exit codes (0x240007 = 2359303), 3010 for "restart needed".
 */

export const RESULT_CODES: Readonly<Record<number, string>> = {
  0: 'not started',
  1: 'still in progress',
  2: 'installed',
  3: 'installed, with errors',
  4: 'failed',
  5: 'aborted',
};

/** The same codes for a download, which installs nothing. */
export const DOWNLOAD_CODES: Readonly<Record<number, string>> = {
  0: 'not started',
  1: 'still in progress',
  2: 'done',
  3: 'done, with errors',
  4: 'failed',
  5: 'aborted',
};

const HRESULTS: Readonly<Record<number, [name: string, words: string]>> = {
  0x00240005: ['WU_S_REBOOT_REQUIRED', 'a restart is needed to finish'],
  0x00240006: ['WU_S_ALREADY_INSTALLED', 'the update is already installed'],
  0x00240007: ['WU_S_ALREADY_UNINSTALLED', 'the update is not installed (nothing to remove)'],
  0x80240017: ['WU_E_NOT_APPLICABLE', 'the update does not apply to this machine'],
  0x8024001e: ['WU_E_SERVICE_STOP', 'Windows Update or the machine was shutting down'],
  0x80240022: ['WU_E_ALL_UPDATES_FAILED', 'every update in the operation failed'],
  0x80240fff: ['WU_E_UNEXPECTED', 'Windows Update hit an unexpected error'],
  0x8024200d: ['WU_E_UH_NEEDANOTHERDOWNLOAD', 'the update has to be downloaded again'],
  0x80242016: ['WU_E_UH_POSTREBOOTUNEXPECTEDSTATE', 'the update was left in an unexpected state after the restart'],
  0x8024402c: ['WU_E_PT_WINHTTP_NAME_NOT_RESOLVED', 'the machine cannot resolve the update server name (proxy or DNS)'],
  0x80244022: ['WU_E_PT_HTTP_STATUS_SERVICE_UNAVAIL', 'the update server answered 503 (busy)'],
  0x80070005: ['E_ACCESSDENIED', 'access denied'],
  0x80070070: ['ERROR_DISK_FULL', 'the disk is full'],
  0x80070422: ['ERROR_SERVICE_DISABLED', 'the Windows Update service is disabled'],
  0x800f0922: ['CBS_E_INSTALLERS_FAILED', 'the update could not be installed (often too little space on the System Reserved partition)'],
  0x800f0825: ['CBS_E_CANNOT_UNINSTALL', 'this package cannot be uninstalled (permanent)'],
  0x800f081f: ['CBS_E_SOURCE_MISSING', 'the files the update needs could not be found'],
};

/** "0x80240022 WU_E_ALL_UPDATES_FAILED: every update in the operation failed", or the hex alone when unknown. */
export function describeHresult(code: number): string {
  const u = code >>> 0;
  const hex = `0x${u.toString(16).toUpperCase().padStart(8, '0')}`;
  const known = HRESULTS[u];
  return known ? `${hex} ${known[0]}: ${known[1]}` : hex;
}

/** wusa.exe exit codes. */
export function describeWusaExit(code: number): string {
  if (code === 0) return 'removed';
  if (code === 3010) return 'removed; a restart is needed to finish';
  if (code === 1618) return 'another installation is in progress: try again later';
  if (code === 87) return 'wusa refused the arguments (this KB is not removable with wusa)';
  return describeHresult(code);
}
