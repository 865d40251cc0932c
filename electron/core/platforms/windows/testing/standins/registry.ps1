# Part of Patchwell.WindowsStandins.psm1 (dot-sourced into the module; $script:S is the machine's state).
# --- Registry (reboot-pending keys: https://learn.microsoft.com/en-us/troubleshoot/windows-server/installing-updates-features-roles/
#     and the Uninstall key layout: https://learn.microsoft.com/en-us/windows/win32/msi/uninstall-registry-key) ---
$script:CbsKey = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending'
$script:WuKey = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired'
$script:CvKey = 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$script:SmKey = 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager'
$script:SvcKey = 'HKLM:\SYSTEM\CurrentControlSet\Services\'

function Test-RegistryPath([string]$P) {
  if ($P -eq $script:CbsKey) { return [bool]$script:S.reboot.cbs }
  if ($P -eq $script:WuKey) { return [bool]$script:S.reboot.wu }
  if ($P -eq $script:CvKey -or $P -eq $script:SmKey) { return $true }
  if ($P.StartsWith($script:SvcKey, [StringComparison]::OrdinalIgnoreCase)) {
    $rest = $P.Substring($script:SvcKey.Length).Split('\')
    $svc = @($script:S.services | Where-Object { $_.name -eq $rest[0] })
    if ($svc.Count -eq 0) { return $false }
    if ($rest.Count -eq 1) { return $true }
    return ($rest.Count -eq 2 -and $rest[1] -eq 'TriggerInfo' -and [bool]$svc[0].trigger)
  }
  throw "The stand-ins do not model the registry path $P"
}

function Test-Path {
  [CmdletBinding()] param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [string]$PathType)
  $all = @($Path) + @($LiteralPath) | Where-Object { $_ }
  if (@($all | Where-Object { $_ -like 'HKLM:*' }).Count -gt 0) { return @($all | ForEach-Object { Test-RegistryPath $_ }) }
  Microsoft.PowerShell.Management\Test-Path @PSBoundParameters
}

function Get-UninstallEntries([bool]$X86) {
  foreach ($a in @($script:S.apps | Where-Object { [bool]$_.x86 -eq $X86 })) {
    $o = [ordered]@{ DisplayName = [string]$a.name; DisplayVersion = [string]$a.version; Publisher = [string]$a.publisher }
    [pscustomobject]$o
  }
  # Keys Windows always has: one without DisplayName (an update's component key), one a system component.
  if (-not $X86) {
    [pscustomobject]@{ UninstallString = 'MsiExec.exe /X{00000000-0000-0000-0000-000000000001}' }
    [pscustomobject]@{ DisplayName = 'Microsoft Update Health Tools'; DisplayVersion = '5.72.0.0'; SystemComponent = 1 }
  }
}

function Get-ItemProperty {
  [CmdletBinding()] param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [Parameter(Position = 1)][string[]]$Name)
  $p = @(@($Path) + @($LiteralPath) | Where-Object { $_ })
  if (@($p | Where-Object { $_ -like 'HKLM:*' }).Count -eq 0) { return Microsoft.PowerShell.Management\Get-ItemProperty @PSBoundParameters }
  if ($p.Count -ne 1) { throw 'The stand-ins read one registry path at a time' }
  $key = $p[0]
  $props = $null
  if ($key -eq $script:CvKey) {
    $props = [ordered]@{ ProductName = [string]$script:S.caption; CurrentBuildNumber = [string]$script:S.build; UBR = [int]$script:S.ubr; DisplayVersion = [string]$script:S.displayVersion; EditionID = [string]$script:S.edition }
  } elseif ($key -eq $script:SmKey) {
    $props = [ordered]@{ BootExecute = @('autocheck autochk *') }
    if ($script:S.reboot.pfro) { $props.PendingFileRenameOperations = @('\??\C:\Windows\Temp\old.dll', '') }
  } elseif ($key -eq 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*') {
    return Get-UninstallEntries $false
  } elseif ($key -eq 'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*') {
    return Get-UninstallEntries $true
  } else {
    throw "The stand-ins do not model the registry key $key"
  }
  if ($Name) {
    foreach ($n in $Name) {
      if (-not $props.Contains($n)) { Write-Error -Message "Property $n does not exist at path $key." -Category InvalidArgument; return }
    }
    $picked = [ordered]@{}
    foreach ($n in $Name) { $picked[$n] = $props[$n] }
    return [pscustomobject]$picked
  }
  [pscustomobject]$props
}
