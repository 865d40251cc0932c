# Part of Patchwell.WindowsStandins.psm1 (dot-sourced into the module; $script:S is the machine's state).
# --- System Restore (Checkpoint-Computer: one point per 24 hours unless SystemRestorePointCreationFrequency
#     says otherwise; https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.management/checkpoint-computer?view=powershell-5.1) ---
function ConvertTo-DmtfDate([int64]$Ms) { [DateTimeOffset]::FromUnixTimeMilliseconds($Ms).UtcDateTime.ToString('yyyyMMddHHmmss.ffffff') + '-000' }

function Get-ComputerRestorePoint {
  [CmdletBinding()] param()
  if ([int]$script:S.productType -ne 1) { Write-Error 'This command is not supported on this platform.'; return }
  @($script:S.restorePoints | ForEach-Object { [pscustomobject]@{ SequenceNumber = [uint32]$_.sequence; Description = [string]$_.description; CreationTime = (ConvertTo-DmtfDate ([int64]$_.created)); RestorePointType = 12 } })
}

function Checkpoint-Computer {
  [CmdletBinding()] param([Parameter(Mandatory, Position = 0)][string]$Description, [ValidateSet('APPLICATION_INSTALL', 'APPLICATION_UNINSTALL', 'DEVICE_DRIVER_INSTALL', 'MODIFY_SETTINGS', 'CANCELLED_OPERATION')][string]$RestorePointType = 'APPLICATION_INSTALL')
  if ([int]$script:S.productType -ne 1) { throw 'This command is not supported on this platform.' }
  if ($script:S.restoreDisabled) { throw [System.Runtime.InteropServices.COMException]::new('This operation cannot be performed because System Restore is turned off.', -2147023838) }
  $last = @($script:S.restorePoints) | Select-Object -Last 1
  $now = [int64]$script:S.now
  if ($last -and ($now - [int64]$last.created) -lt 86400000) {
    Write-Warning 'A new system restore point cannot be created because one has already been created within the past 1440 minutes. The frequency of restore point creation can be changed by creating the DWORD value ''SystemRestorePointCreationFrequency'' under the registry key ''HKLM\Software\Microsoft\Windows NT\CurrentVersion\SystemRestore''. The value of this registry key indicates the necessary time interval (in minutes) between two restore points creation. The default value is 1440 minutes (24 hours).'
    return
  }
  $seq = 41
  if ($last) { $seq = [int]$last.sequence + 1 }
  $script:S.restorePoints += @(@{ sequence = $seq; description = $Description; created = $now })
}
