# Part of Patchwell.WindowsStandins.psm1 (dot-sourced into the module; $script:S is the machine's state).
# --- CIM (Win32_OperatingSystem, Win32_LogicalDisk, Win32_QuickFixEngineering, Win32_Service:
#     https://learn.microsoft.com/en-us/windows/win32/cimwin32prov/win32-service etc.) ---
function Get-CimInstance {
  [CmdletBinding()] param([Parameter(Position = 0, Mandatory)][string]$ClassName, [string]$Filter)
  switch ($ClassName) {
    'Win32_OperatingSystem' {
      if ($Filter) { throw 'No filter expected on Win32_OperatingSystem' }
      return [pscustomobject]@{ Caption = [string]$script:S.caption; Version = '10.0.' + $script:S.build; BuildNumber = [string]$script:S.build; ProductType = [uint32]$script:S.productType; OSArchitecture = '64-bit'; LastBootUpTime = [DateTimeOffset]::FromUnixTimeMilliseconds([int64]$script:S.lastBoot).UtcDateTime }
    }
    'Win32_LogicalDisk' {
      if ($Filter -ne "DeviceID='C:'") { throw "Unexpected Win32_LogicalDisk filter $Filter" }
      return [pscustomobject]@{ DeviceID = 'C:'; FreeSpace = [uint64]([int64]$script:S.freeKb * 1024); Size = [uint64]256GB }
    }
    'Win32_QuickFixEngineering' {
      if ($Filter) { throw 'No filter expected on Win32_QuickFixEngineering' }
      return @($script:S.hotfixes | ForEach-Object { [pscustomobject]@{ HotFixID = [string]$_.kb; InstalledOn = [string]$_.installedOn; Description = [string]$_.description; InstalledBy = 'NT AUTHORITY\SYSTEM' } })
    }
    'Win32_Service' {
      # A stopped service Windows starts again (its recovery actions): seen stopped for stoppedFor more queries.
      foreach ($name in @($script:S.stoppedFor.Keys)) {
        if ([int]$script:S.stoppedFor[$name] -gt 0) { $script:S.stoppedFor[$name] = [int]$script:S.stoppedFor[$name] - 1; continue }
        $script:S.stoppedFor.Remove($name)
        foreach ($svc in @($script:S.services | Where-Object { $_.name -eq $name })) { $svc.state = 'Running' }
      }
      $rows = @($script:S.services | ForEach-Object { [pscustomobject]@{ Name = [string]$_.name; State = [string]$_.state; StartMode = [string]$_.startMode; DelayedAutoStart = [bool]$_.delayed } })
      if (-not $Filter) { return $rows }
      if ($Filter -ne "State='Running' AND StartMode='Auto'") { throw "The stand-in WQL knows only State='Running' AND StartMode='Auto', not $Filter" }
      return @($rows | Where-Object { $_.State -eq 'Running' -and $_.StartMode -eq 'Auto' })
    }
    default { throw "Get-CimInstance: the stand-ins do not model $ClassName" }
  }
}

function Get-HotFix { Get-CimInstance Win32_QuickFixEngineering }

function Get-Service {
  [CmdletBinding()] param([Parameter(Position = 0)][string[]]$Name)
  $all = @($script:S.services | ForEach-Object { [pscustomobject]@{ Name = [string]$_.name; Status = [string]$_.state; StartType = $(if ($_.startMode -eq 'Auto') { 'Automatic' } else { [string]$_.startMode }) } })
  if ($Name) { return @($all | Where-Object { $Name -contains $_.Name }) }
  $all
}

function Restart-Computer {
  [CmdletBinding()] param([switch]$Force)
  if (-not $Force) { throw 'Patchwell restarts with -Force (no one is there to confirm)' }
  $script:S.lastBoot = [int64]$script:S.now
  $script:S.reboot = @{ cbs = $false; wu = $false; pfro = $false }
  foreach ($svc in @($script:S.services | Where-Object { $_.startMode -eq 'Auto' })) { $svc.state = 'Running' }
  $script:S.stoppedFor = @{}
  Add-StandinEvent 'restart'
}
