# Stand-ins for the Windows-only surface Patchwell's scripts use, so the exact scripts run in PowerShell 7 on
# Linux against one simulated machine. Shaped after Microsoft's documentation (cited per block); the machine's
# state is a JSON file the test side writes before a script and reads back after (Save-StandinState), so an
# install or a removal changes what the next script sees. Anything a script calls that is not here, and that
# PowerShell 7 on Linux does not have, fails as "not recognized", as it should.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$script:ModulePath = $PSCommandPath
$script:StatePath = $env:PATCHWELL_STANDIN_STATE
if (-not $script:StatePath) { throw 'PATCHWELL_STANDIN_STATE must name the simulated machine''s state file' }
$script:S = Get-Content -Raw -LiteralPath $script:StatePath | ConvertFrom-Json -AsHashtable
# Windows encodes a process's console output, and decodes a native program's, with the OEM code page (437 on
# an English Windows) unless a script says otherwise: so does the simulated machine.
[Console]::OutputEncoding = [Text.Encoding]::GetEncoding([int]$script:S.consoleCodePage)

function Save-StandinState {
  $script:S | ConvertTo-Json -Depth 12 -Compress | Set-Content -LiteralPath $script:StatePath -Encoding utf8NoBOM
}

function Add-StandinEvent([string]$Text) { $script:S.events += @($Text) }

# The simulated clock: Patchwell's scripts must not depend on the real one.
function Get-SimNow { [DateTimeOffset]::FromUnixTimeMilliseconds([int64]$script:S.now).UtcDateTime }

function Get-Date {
  [CmdletBinding()] param([Parameter(Position = 0)] $Date)
  if ($PSBoundParameters.ContainsKey('Date')) { return Microsoft.PowerShell.Utility\Get-Date -Date $Date }
  Get-SimNow
}

function Start-Sleep {
  [CmdletBinding()] param([Parameter(Position = 0)][double]$Seconds, [int]$Milliseconds)
  $ms = [int64]($Seconds * 1000) + $Milliseconds
  $script:S.now = [int64]$script:S.now + $ms
}

function Get-SignedHResult([int64]$Value) { if ($Value -gt [int]::MaxValue) { [int]($Value - 4294967296) } else { [int]$Value } }

function Throw-Com([string]$Message, [int64]$HResult) {
  throw [System.Runtime.InteropServices.COMException]::new($Message, (Get-SignedHResult $HResult))
}

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

# --- Servicing: DISM's cmdlets (https://learn.microsoft.com/en-us/powershell/module/dism/get-windowspackage) and
#     wusa.exe (https://support.microsoft.com/help/934307). A cumulative update's package is named RollupFix,
#     not by its KB; its detail (Get-WindowsPackage -PackageName) says "Fix for KB…". ---
function Get-PackageOf($Hotfix) {
  $num = ([string]$Hotfix.kb).Substring(2)
  switch ([string]$Hotfix.package) {
    # Each cumulative update has its own build revision in its name; the KB is not in it.
    'rollup' { 'Package_for_RollupFix~31bf3856ad364e35~amd64~~' + $script:S.build + '.' + ([int]$num % 9000 + 1000) + '.1.7' }
    'kb' { 'Package_for_KB' + $num + '~31bf3856ad364e35~amd64~~10.0.1.2' }
    default { $null }
  }
}

function Get-WindowsPackage {
  [CmdletBinding()] param([switch]$Online, [string]$PackageName)
  if (-not $Online) { throw 'The stand-ins model only -Online' }
  $rows = foreach ($h in @($script:S.hotfixes)) {
    $n = Get-PackageOf $h
    if ($n) { [pscustomobject]@{ PackageName = $n; PackageState = 'Installed'; ReleaseType = 'SecurityUpdate'; Description = 'Fix for ' + $h.kb; InstallTime = '10/15/2026 3:12:00 AM' } }
  }
  $rows = @($rows) + @([pscustomobject]@{ PackageName = 'Package_for_ServicingStack_3870~31bf3856ad364e35~amd64~~22631.3870.1.1'; PackageState = 'Installed'; ReleaseType = 'Update'; Description = 'Fix for KB5039895'; InstallTime = '7/9/2026 3:00:00 AM' })
  if ($PackageName) {
    $one = @($rows | Where-Object { $_.PackageName -eq $PackageName })
    if ($one.Count -eq 0) { Throw-Com 'The specified package is not valid Windows package.' 0x800F080C }
    return $one[0]
  }
  # The list form carries names and states only, as DISM's /Get-Packages does.
  $rows | ForEach-Object { [pscustomobject]@{ PackageName = $_.PackageName; PackageState = $_.PackageState; ReleaseType = $_.ReleaseType; InstallTime = $_.InstallTime } }
}

function Remove-HotfixState([string]$Kb) {
  $script:S.hotfixes = @($script:S.hotfixes | Where-Object { $_.kb -ne $Kb })
  $u = @($script:S.installedUpdates | Where-Object { @($_.kbs) -contains $Kb }) | Select-Object -First 1
  if ($u) {
    $script:S.installedUpdates = @($script:S.installedUpdates | Where-Object { $_.updateId -ne $u.updateId })
    $script:S.pending += @($u)
  }
  $script:S.reboot.cbs = $true
}

function Remove-WindowsPackage {
  [CmdletBinding()] param([switch]$Online, [Parameter(Mandatory)][string]$PackageName, [switch]$NoRestart)
  if (-not $Online -or -not $NoRestart) { throw 'Patchwell removes packages online and never restarts' }
  $h = @($script:S.hotfixes | Where-Object { (Get-PackageOf $_) -eq $PackageName }) | Select-Object -First 1
  if (-not $h) { Throw-Com 'The specified package is not valid Windows package.' 0x800F080C }
  if (@($script:S.permanent) -contains $h.kb) { Throw-Com 'The specified package cannot be uninstalled.' 0x800F0825 }
  Remove-HotfixState ([string]$h.kb)
  Add-StandinEvent ('dism remove ' + $PackageName)
  [pscustomobject]@{ Online = $true; RestartNeeded = $true; LogPath = 'C:\Windows\Logs\DISM\dism.log' }
}

function Invoke-Wusa([string[]]$Arguments) {
  $kbArg = @($Arguments | Where-Object { $_ -like '/kb:*' })
  if (@($Arguments)[0] -ne '/uninstall' -or $kbArg.Count -ne 1 -or $Arguments -notcontains '/quiet' -or $Arguments -notcontains '/norestart') { return 87 }
  $kb = 'KB' + $kbArg[0].Substring(4)
  Add-StandinEvent ('wusa ' + ($Arguments -join ' '))
  $h = @($script:S.hotfixes | Where-Object { $_.kb -eq $kb }) | Select-Object -First 1
  if (-not $h) { return 0x240007 }
  # wusa cannot remove a combined servicing-stack and cumulative update (a RollupFix): only DISM can.
  if ([string]$h.package -eq 'rollup' -or @($script:S.permanent) -contains $kb) { return 0x80070057 }
  Remove-HotfixState $kb
  3010
}

function Start-Process {
  [CmdletBinding()] param([Parameter(Mandatory, Position = 0)][string]$FilePath, [Parameter(Position = 1)][string[]]$ArgumentList, [switch]$Wait, [switch]$PassThru, [switch]$NoNewWindow)
  $wusa = Join-Path $env:SystemRoot 'System32\wusa.exe'
  if ($FilePath -ne $wusa) { throw "Start-Process: the simulated machine has no program $FilePath" }
  if (-not $Wait) { throw 'Patchwell waits for wusa' }
  $code = Invoke-Wusa $ArgumentList
  if ($PassThru) { [pscustomobject]@{ ExitCode = [int](Get-SignedHResult $code); HasExited = $true } }
}
Set-Item -Path 'function:global:wusa.exe' -Value { $global:LASTEXITCODE = Get-SignedHResult (Invoke-Wusa $args) }

function Invoke-Dism {
  # dism.exe /Online /Remove-Package /PackageName:<n> /Quiet /NoRestart; exit codes are HRESULTs, 3010 for a restart.
  $argsList = @($args)
  $name = @($argsList | Where-Object { $_ -like '/PackageName:*' }) | ForEach-Object { $_.Substring(13) } | Select-Object -First 1
  if ($argsList -notcontains '/Online' -or $argsList -notcontains '/Remove-Package' -or -not $name) { $global:LASTEXITCODE = 87; return 'Error: 87' }
  try { [void](Remove-WindowsPackage -Online -PackageName $name -NoRestart); $global:LASTEXITCODE = 3010; 'The operation completed successfully.' }
  catch { $global:LASTEXITCODE = [int]$_.Exception.HResult; 'Error: ' + $_.Exception.Message }
}
Set-Item -Path 'function:global:dism.exe' -Value { Invoke-Dism @args }

# --- Windows Update Agent COM API (https://learn.microsoft.com/en-us/windows/win32/api/wuapi/): Session,
#     Searcher, Downloader, Installer, UpdateColl; OperationResultCode 0..5; per-update HResults. Methods are
#     ScriptMethods so a failure reaches the script as Windows gives it: MethodInvocationException around the
#     COMException that carries the HResult. ---
function New-WuUpdate($U) {
  $o = [pscustomobject]@{
    Identity = [pscustomobject]@{ UpdateID = [string]$U.updateId; RevisionNumber = [int]$U.revision }
    Title = [string]$U.title
    KBArticleIDs = @($U.kbs | ForEach-Object { ([string]$_).Substring(2) })
    MsrcSeverity = [string]$U.msrcSeverity
    CveIDs = @($U.cves)
    Categories = @($U.categories | ForEach-Object { [pscustomobject]@{ Name = [string]$_ } })
    InstallationBehavior = [pscustomobject]@{ RebootBehavior = [int]$U.rebootBehavior }
    MaxDownloadSize = [decimal]$U.maxDownloadSize
    IsUninstallable = [bool]$U.uninstallable
    LastDeploymentChangeTime = [datetime]::SpecifyKind([DateTimeOffset]::Parse([string]$U.published).UtcDateTime.Date, 'Unspecified')
    EulaAccepted = $false
    IsDownloaded = $false
  }
  $o | Add-Member -MemberType ScriptMethod -Name AcceptEula -Value { $this.EulaAccepted = $true }
  $o
}

function New-WuColl {
  $c = [pscustomobject]@{ Items = [System.Collections.Generic.List[object]]::new() }
  $c | Add-Member -MemberType ScriptProperty -Name Count -Value { $this.Items.Count }
  $c | Add-Member -MemberType ScriptMethod -Name Add -Value { param($u) if ($null -eq $u) { Throw-Com 'E_POINTER' 0x80004003 }; $this.Items.Add($u); $this.Items.Count - 1 }
  $c | Add-Member -MemberType ScriptMethod -Name Item -Value { param([int]$i) if ($i -lt 0 -or $i -ge $this.Items.Count) { Throw-Com 'Index out of range' 0x80070057 }; $this.Items[$i] }
  $c
}

function Find-PendingUpdate([string]$Id) { @($script:S.pending | Where-Object { $_.updateId -eq $Id }) | Select-Object -First 1 }

function New-WuResult([object[]]$PerUpdate) {
  $codes = @($PerUpdate | ForEach-Object { [int]$_.ResultCode })
  $overall = 2
  if ($codes.Count -gt 0 -and @($codes | Where-Object { $_ -ne 2 }).Count -gt 0) { $overall = $(if (@($codes | Where-Object { $_ -eq 2 -or $_ -eq 3 }).Count -gt 0) { 3 } else { 4 }) }
  $r = [pscustomobject]@{ ResultCode = $overall; HResult = 0; Items = $PerUpdate }
  # IInstallationResult has RebootRequired; IDownloadResult has not.
  if (@($PerUpdate | Where-Object { $_.PSObject.Properties['RebootRequired'] }).Count -gt 0) { $r | Add-Member -NotePropertyName RebootRequired -NotePropertyValue (@($PerUpdate | Where-Object { $_.RebootRequired }).Count -gt 0) }
  $r | Add-Member -MemberType ScriptMethod -Name GetUpdateResult -Value { param([int]$i) $this.Items[$i] }
  $r
}

function New-WuSession {
  $s = [pscustomobject]@{ ClientApplicationID = '' }
  $s | Add-Member -MemberType ScriptMethod -Name CreateUpdateSearcher -Value {
    $q = [pscustomobject]@{ Online = $true }
    $q | Add-Member -MemberType ScriptMethod -Name Search -Value {
      param([string]$Criteria)
      if ($Criteria -ne "IsInstalled=0 and IsHidden=0 and Type='Software'") { Throw-Com 'WU_E_INVALID_CRITERIA' 0x80240032 }
      if ($null -ne $script:S.searchHResult) { Throw-Com 'Exception from HRESULT' ([int64]$script:S.searchHResult) }
      [pscustomobject]@{ ResultCode = 2; Updates = @($script:S.pending | ForEach-Object { New-WuUpdate $_ }) }
    }
    $q
  }
  $s | Add-Member -MemberType ScriptMethod -Name CreateUpdateDownloader -Value {
    $d = [pscustomobject]@{ Updates = $null; Priority = 2 }
    $d | Add-Member -MemberType ScriptMethod -Name Download -Value {
      if ($null -eq $this.Updates -or $this.Updates.Count -eq 0) { Throw-Com 'WU_E_NO_UPDATE' 0x80240024 }
      $per = foreach ($u in $this.Updates.Items) {
        $p = Find-PendingUpdate ([string]$u.Identity.UpdateID)
        if ($p -and $p['download']) { [pscustomobject]@{ ResultCode = [int]$p['download'].resultCode; HResult = (Get-SignedHResult ([int64]$p['download'].hresult)) } }
        else { $u.IsDownloaded = $true; [pscustomobject]@{ ResultCode = 2; HResult = 0 } }
      }
      New-WuResult @($per)
    }
    $d
  }
  $s | Add-Member -MemberType ScriptMethod -Name CreateUpdateInstaller -Value {
    $i = [pscustomobject]@{ Updates = $null; ForceQuiet = $false }
    $i | Add-Member -MemberType ScriptMethod -Name Install -Value {
      if ($null -eq $this.Updates -or $this.Updates.Count -eq 0) { Throw-Com 'WU_E_NO_UPDATE' 0x80240024 }
      $per = foreach ($u in $this.Updates.Items) { Install-StandinUpdate $u }
      New-WuResult @($per)
    }
    $i
  }
  $s
}

function Install-StandinUpdate($U) {
  $p = Find-PendingUpdate ([string]$U.Identity.UpdateID)
  if (-not $U.EulaAccepted) { return [pscustomobject]@{ ResultCode = 4; HResult = (Get-SignedHResult 0x80240020); RebootRequired = $false } }
  if (-not $U.IsDownloaded) { return [pscustomobject]@{ ResultCode = 4; HResult = (Get-SignedHResult 0x8024200D); RebootRequired = $false } }
  $code = 2; $hr = 0
  if ($null -ne $p['failWith']) { $code = 4; $hr = [int64]$p['failWith'] }
  if ($p['install']) { $code = [int]$p['install'].resultCode; $hr = [int64]$p['install'].hresult }
  if ($code -ne 2 -and $code -ne 3) { return [pscustomobject]@{ ResultCode = $code; HResult = (Get-SignedHResult $hr); RebootRequired = $false } }
  $script:S.pending = @($script:S.pending | Where-Object { $_.updateId -ne $p.updateId })
  $script:S.installedUpdates += @($p)
  foreach ($kb in @($p.kbs)) {
    $kind = 'kb'
    if ([string]$p.title -like '*Cumulative Update for Windows*') { $kind = 'rollup' }
    $script:S.hotfixes += @(@{ kb = $kb; installedOn = (Get-SimNow).ToString('M/d/yyyy', [Globalization.CultureInfo]::InvariantCulture); description = 'Security Update'; package = $kind })
    foreach ($name in @($script:S.stopsServices[$kb])) {
      if (-not $name) { continue }
      foreach ($svc in @($script:S.services | Where-Object { $_.name -eq $name -and $_.state -eq 'Running' })) {
        $svc.state = 'Stopped'
        if ($null -ne $script:S.comesBackAfter[$name]) { $script:S.stoppedFor[$name] = [int]$script:S.comesBackAfter[$name] }
      }
    }
  }
  $reboot = [int]$p.rebootBehavior -ne 0
  if ($reboot) { $script:S.reboot.wu = $true }
  [pscustomobject]@{ ResultCode = $code; HResult = (Get-SignedHResult $hr); RebootRequired = $reboot }
}

# --- Access control (Get-Acl/Set-Acl and the .NET types they carry, which .NET on Linux refuses to build).
#     An ACL here is { owner: SID, protected: bool, rules: [{ sid, rights, type }] }, kept per path in the
#     state; a path without its own ACL inherits its parent's rules (unless its parent's are not inheritable). ---
function New-StandinSecurity($Acl) {
  $o = [pscustomobject]@{ Sd = $Acl }
  $o | Add-Member -MemberType ScriptProperty -Name AreAccessRulesProtected -Value { [bool]$this.Sd.protected }
  $o | Add-Member -MemberType ScriptMethod -Name SetAccessRuleProtection -Value { param([bool]$Protect, [bool]$Preserve) $this.Sd.protected = $Protect; if ($Protect -and -not $Preserve) { $this.Sd.rules = @($this.Sd.rules | Where-Object { -not $_.inherited }) } }
  $o | Add-Member -MemberType ScriptMethod -Name AddAccessRule -Value { param($Rule) $this.Sd.rules = @($this.Sd.rules) + @(@{ sid = [string]$Rule.IdentityReference.Value; rights = [string]$Rule.FileSystemRights; type = [string]$Rule.AccessControlType; inherited = $false }) }
  $o | Add-Member -MemberType ScriptMethod -Name SetOwner -Value { param($Sid) $this.Sd.owner = [string]$Sid.Value }
  $o | Add-Member -MemberType ScriptMethod -Name GetOwner -Value { param([type]$As) if ($As -ne [System.Security.Principal.SecurityIdentifier]) { throw 'The stand-ins answer SIDs only' }; [pscustomobject]@{ Value = [string]$this.Sd.owner } }
  $o | Add-Member -MemberType ScriptMethod -Name GetAccessRules -Value {
    param([bool]$Explicit, [bool]$Inherited, [type]$As)
    if ($As -ne [System.Security.Principal.SecurityIdentifier]) { throw 'The stand-ins answer SIDs only' }
    @($this.Sd.rules | Where-Object { ($Explicit -and -not $_.inherited) -or ($Inherited -and $_.inherited) } | ForEach-Object {
      [pscustomobject]@{ IdentityReference = [pscustomobject]@{ Value = [string]$_.sid }; FileSystemRights = [string]$_.rights; AccessControlType = [string]$_.type; IsInherited = [bool]$_.inherited }
    })
  }
  $o
}

function Get-AclKey([string]$P) {
  $full = [IO.Path]::GetFullPath($P).TrimEnd([IO.Path]::DirectorySeparatorChar, '\')
  $root = [IO.Path]::GetFullPath($env:PATCHWELL_STANDIN_ROOT).TrimEnd([IO.Path]::DirectorySeparatorChar)
  if (-not $full.StartsWith($root)) { throw "Get-Acl: $P is outside the simulated machine" }
  $full.Substring($root.Length).Replace('\', '/')
}

function Get-EffectiveAcl([string]$Key) {
  $own = $script:S.acls[$Key]
  if ($own) { return @{ owner = $own.owner; protected = [bool]$own.protected; rules = @($own.rules) } }
  $parent = $Key.Substring(0, [Math]::Max(0, $Key.LastIndexOf('/')))
  if ($parent -eq '' -or $Key -eq $parent) { return @{ owner = 'S-1-5-32-544'; protected = $true; rules = @(@{ sid = 'S-1-5-18'; rights = 'FullControl'; type = 'Allow'; inherited = $false }) } }
  $up = Get-EffectiveAcl $parent
  # A new item belongs to its creator: the (elevated) administrator running the script.
  @{ owner = 'S-1-5-32-544'; protected = $false; rules = @($up.rules | ForEach-Object { @{ sid = $_.sid; rights = $_.rights; type = $_.type; inherited = $true } }) }
}

function Get-Acl {
  [CmdletBinding()] param([Parameter(Position = 0)][string]$Path, [string]$LiteralPath)
  $p = $(if ($LiteralPath) { $LiteralPath } else { $Path })
  if (-not (Microsoft.PowerShell.Management\Test-Path -LiteralPath $p)) { throw "Cannot find path '$p' because it does not exist." }
  New-StandinSecurity (Get-EffectiveAcl (Get-AclKey $p))
}

function Set-Acl {
  [CmdletBinding()] param([Parameter(Position = 0)][string]$Path, [string]$LiteralPath, [Parameter(Mandatory)]$AclObject)
  $p = $(if ($LiteralPath) { $LiteralPath } else { $Path })
  $key = Get-AclKey $p
  $cur = Get-EffectiveAcl $key
  # Only the owner (or an administrator taking ownership, which this does not do) may change a DACL: a folder a
  # standard user created and owns keeps the rules its owner chooses. Windows allows WRITE_DAC to the owner.
  if ($cur.owner -ne 'S-1-5-32-544' -and $cur.owner -ne 'S-1-5-18' -and -not (@($cur.rules | Where-Object { $_.sid -eq 'S-1-5-32-544' -and $_.rights -eq 'FullControl' }).Count)) { throw [UnauthorizedAccessException]::new("Attempted to perform an unauthorized operation.") }
  $sd = $AclObject.Sd
  $script:S.acls[$key] = @{ owner = $(if ($sd.owner) { $sd.owner } else { $cur.owner }); protected = [bool]$sd.protected; rules = @($sd.rules | ForEach-Object { @{ sid = $_.sid; rights = $_.rights; type = $_.type; inherited = $false } }) }
}

function New-Object {
  [CmdletBinding(DefaultParameterSetName = 'Net')]
  param([Parameter(ParameterSetName = 'Net', Mandatory, Position = 0)][string]$TypeName, [Parameter(ParameterSetName = 'Net', Position = 1)][object[]]$ArgumentList, [Parameter(ParameterSetName = 'Com', Mandatory)][string]$ComObject, [hashtable]$Property)
  if ($PSCmdlet.ParameterSetName -eq 'Com') {
    switch ($ComObject) {
      'Microsoft.Update.Session' { return New-WuSession }
      'Microsoft.Update.UpdateColl' { return New-WuColl }
      default { throw "Retrieving the COM class factory for component with CLSID for $ComObject failed: the simulated machine has no such class (0x80040154)" }
    }
  }
  switch ($TypeName) {
    'System.Security.AccessControl.DirectorySecurity' { return New-StandinSecurity @{ owner = $null; protected = $false; rules = @() } }
    'System.Security.Principal.SecurityIdentifier' {
      $v = [string]@($ArgumentList)[0]
      if ($v -notmatch '^S-1-(\d+-)+\d+$') { throw "Exception calling "".ctor"": Value was invalid. (Parameter 'sddlForm')" }
      return [pscustomobject]@{ Value = $v }
    }
    'System.Security.AccessControl.FileSystemAccessRule' {
      $a = @($ArgumentList)
      if ($a.Count -ne 5) { throw 'The stand-in FileSystemAccessRule takes (identity, rights, inheritance, propagation, type)' }
      return [pscustomobject]@{ IdentityReference = $a[0]; FileSystemRights = [string]$a[1]; InheritanceFlags = [string]$a[2]; PropagationFlags = [string]$a[3]; AccessControlType = [string]$a[4] }
    }
  }
  Microsoft.PowerShell.Utility\New-Object @PSBoundParameters
}

# --- Task Scheduler (ScheduledTasks module: https://learn.microsoft.com/en-us/powershell/module/scheduledtasks/).
#     Starting a task runs its action's -EncodedCommand as a new PowerShell (in this process, a new scope), as
#     SYSTEM would; a hung task stays Running until stopped. ---
function New-ScheduledTaskAction { [CmdletBinding()] param([Parameter(Mandatory)][string]$Execute, [string]$Argument) [pscustomobject]@{ Execute = $Execute; Arguments = $Argument } }
function New-ScheduledTaskPrincipal { [CmdletBinding()] param([string]$UserId, [string]$LogonType, [string]$RunLevel) [pscustomobject]@{ UserId = $UserId; LogonType = $LogonType; RunLevel = $RunLevel } }
function New-ScheduledTaskSettingsSet { [CmdletBinding()] param([switch]$AllowStartIfOnBatteries, [switch]$DontStopIfGoingOnBatteries, [TimeSpan]$ExecutionTimeLimit) [pscustomobject]@{ ExecutionTimeLimit = $ExecutionTimeLimit } }

function Get-TaskKey([string]$TaskPath, [string]$TaskName) { $TaskPath + $TaskName }

function Register-ScheduledTask {
  [CmdletBinding()] param([Parameter(Mandatory)][string]$TaskName, [string]$TaskPath = '\', [Parameter(Mandatory)]$Action, $Principal, $Settings, [switch]$Force)
  if ($Principal.UserId -ne 'S-1-5-18' -or $Principal.LogonType -ne 'ServiceAccount') { throw 'Patchwell registers SYSTEM tasks only' }
  $script:S.scheduledTasks[(Get-TaskKey $TaskPath $TaskName)] = @{ key = (Get-TaskKey $TaskPath $TaskName); state = 'Ready'; execute = $Action.Execute; arguments = $Action.Arguments; lastTaskResult = 267011; runs = 0 }
  Add-StandinEvent ('register ' + $TaskName)
  [pscustomobject]@{ TaskName = $TaskName; TaskPath = $TaskPath; State = 'Ready' }
}

function Get-StandinTask([string]$TaskPath, [string]$TaskName) {
  $t = $script:S.scheduledTasks[(Get-TaskKey $TaskPath $TaskName)]
  if (-not $t) { throw [Microsoft.Management.Infrastructure.CimException]::new("No MSFT_ScheduledTask objects found with property 'TaskName' equal to '$TaskName'.") }
  $t
}

function Invoke-TaskAction($T) {
  if ($T.execute -ne 'powershell.exe') { throw "The simulated machine has no program $($T.execute)" }
  $m = [regex]::Match([string]$T.arguments, '^-NoProfile -NonInteractive -EncodedCommand ([A-Za-z0-9+/=]+)$')
  if (-not $m.Success) { throw "Unexpected task arguments: $($T.arguments)" }
  $text = [Text.Encoding]::Unicode.GetString([Convert]::FromBase64String($m.Groups[1].Value))
  # A new powershell.exe as SYSTEM: its own runspace, the same machine (the state goes through the file).
  Save-StandinState
  # Another process's console settings are its own.
  $encoding = [Console]::OutputEncoding
  $rs = [runspacefactory]::CreateRunspace([initialsessionstate]::CreateDefault2())
  $rs.Open()
  $ps = [powershell]::Create()
  $ps.Runspace = $rs
  $failure = $null
  try {
    $run = 'param($ModulePath, $Text) Set-StrictMode -Version Latest; $ErrorActionPreference = ''Stop''; Import-Module $ModulePath; try { $null = & ([scriptblock]::Create($Text)) } finally { Save-StandinState }'
    [void]$ps.AddScript($run).AddArgument($script:ModulePath).AddArgument($text)
    [void]$ps.Invoke()
  } catch {
    $e = $_.Exception
    while ($e -is [System.Management.Automation.MethodInvocationException] -and $e.InnerException) { $e = $e.InnerException }
    $failure = $e.Message
    if ($e -is [System.Management.Automation.IContainsErrorRecord]) { $failure += ' ' + $e.ErrorRecord.InvocationInfo.PositionMessage }
  } finally {
    $ps.Dispose()
    $rs.Dispose()
    [Console]::OutputEncoding = $encoding
  }
  $script:S = Get-Content -Raw -LiteralPath $script:StatePath | ConvertFrom-Json -AsHashtable
  $T = $script:S.scheduledTasks[$T.key]
  # powershell.exe ends with exit code 1 on an uncaught error; the test side sees the error itself.
  if ($failure) { $T.lastTaskResult = 1; $script:S.taskErrors += @($failure) } else { $T.lastTaskResult = 0 }
  $T
}

function Start-ScheduledTask {
  [CmdletBinding()] param([Parameter(Mandatory)][string]$TaskName, [string]$TaskPath = '\')
  $t = Get-StandinTask $TaskPath $TaskName
  Add-StandinEvent ('start ' + $TaskName)
  $t.runs = [int]$t.runs + 1
  if ($script:S.hangNextTask) {
    $script:S.hangNextTask = $false
    $t.state = 'Running'
    return
  }
  $t.state = 'Running'
  $t = Invoke-TaskAction $t
  $t.state = 'Ready'
}

function Get-ScheduledTask {
  [CmdletBinding()] param([Parameter(Mandatory)][string]$TaskName, [string]$TaskPath = '\')
  $t = Get-StandinTask $TaskPath $TaskName
  [pscustomobject]@{ TaskName = $TaskName; TaskPath = $TaskPath; State = [string]$t.state }
}

function Get-ScheduledTaskInfo {
  [CmdletBinding()] param([Parameter(Mandatory)][string]$TaskName, [string]$TaskPath = '\')
  $t = Get-StandinTask $TaskPath $TaskName
  [pscustomobject]@{ TaskName = $TaskName; LastTaskResult = [uint32]([int64]$t.lastTaskResult -band 0xFFFFFFFF); NumberOfMissedRuns = 0 }
}

function Stop-ScheduledTask {
  [CmdletBinding()] param([Parameter(Mandatory)][string]$TaskName, [string]$TaskPath = '\')
  $t = Get-StandinTask $TaskPath $TaskName
  Add-StandinEvent ('stop ' + $TaskName)
  $t.state = 'Ready'
  $t.lastTaskResult = 0x41306
}

function Unregister-ScheduledTask {
  [CmdletBinding(SupportsShouldProcess)] param([Parameter(Mandatory)][string]$TaskName, [string]$TaskPath = '\')
  $key = Get-TaskKey $TaskPath $TaskName
  if (-not $script:S.scheduledTasks[$key]) { Write-Error "No MSFT_ScheduledTask objects found with property 'TaskName' equal to '$TaskName'."; return }
  if ($script:S.scheduledTasks[$key].state -eq 'Running') { $script:S.taskErrors += @("Unregister-ScheduledTask removed $TaskName while it was still running") }
  $script:S.scheduledTasks.Remove($key)
  Add-StandinEvent ('remove ' + $TaskName)
}

# --- winget.exe (App Installer, under WindowsApps; https://learn.microsoft.com/en-us/windows/package-manager/winget/upgrade).
#     Its output reaches PowerShell through [Console]::OutputEncoding, as a native program's does. ---
function ConvertFrom-NativeOutput([string]$Line) { [Console]::OutputEncoding.GetString([Text.Encoding]::UTF8.GetBytes($Line)) }

function Get-DisplayWidth([string]$Text) {
  $w = 0
  foreach ($ch in $Text.ToCharArray()) { $w += $(if ([int]$ch -ge 0x1100 -and ([int]$ch -le 0x115F -or ([int]$ch -ge 0x2E80 -and [int]$ch -le 0xA4CF) -or ([int]$ch -ge 0xAC00 -and [int]$ch -le 0xD7A3) -or ([int]$ch -ge 0xF900 -and [int]$ch -le 0xFAFF) -or ([int]$ch -ge 0xFF00 -and [int]$ch -le 0xFF60))) { 2 } else { 1 }) }
  $w
}

function Format-WingetCell([string]$Text, [int]$Width) { $Text + (' ' * [Math]::Max(1, $Width - (Get-DisplayWidth $Text) + 1)) }

function Invoke-Winget {
  $a = @($args)
  $out = [System.Collections.Generic.List[string]]::new()
  if ($a[0] -ne 'upgrade') { $global:LASTEXITCODE = Get-SignedHResult 0x8A150002; return 'Unrecognized command' }
  if ($a -notcontains '--accept-source-agreements' -or $a -notcontains '--disable-interactivity') { $global:LASTEXITCODE = Get-SignedHResult 0x8A15000F; return 'Source agreements were not accepted.' }
  $out.Add("   - `r   \ `r")
  if ($a.Count -le 3) {
    $rows = @($script:S.appUpgrades | ForEach-Object { , @([string]$_.name, [string]$_.id, [string]$_.installed, [string]$_.available, 'winget') })
    $heads = @('Name', 'Id', 'Version', 'Available', 'Source')
    $widths = foreach ($i in 0..3) { [Math]::Max((Get-DisplayWidth $heads[$i]), (@($rows | ForEach-Object { Get-DisplayWidth $_[$i] }) + 0 | Measure-Object -Maximum).Maximum) }
    $line = { param($cells) (-join (0..3 | ForEach-Object { Format-WingetCell $cells[$_] $widths[$_] })) + $cells[4] }
    $out.Add((& $line $heads))
    $out.Add('-' * (($widths | Measure-Object -Sum).Sum + 10))
    foreach ($r in $rows) { $out.Add((& $line $r)) }
    if ($rows.Count) { $out.Add("$($rows.Count) upgrade$(if ($rows.Count -ne 1) { 's' }) available.") } else { $out.Add('No installed package found matching input criteria.') }
    $global:LASTEXITCODE = $(if ($rows.Count) { 0 } else { Get-SignedHResult 0x8A15002B })
  } else {
    $id = $a[[Array]::IndexOf($a, '--id') + 1]
    $version = $a[[Array]::IndexOf($a, '--version') + 1]
    if ($a -notcontains '--exact' -or $a -notcontains '--silent' -or $a[[Array]::IndexOf($a, '--scope') + 1] -ne 'machine' -or $a -notcontains '--accept-package-agreements') { $global:LASTEXITCODE = 87; return 'Bad arguments' }
    $app = @($script:S.appUpgrades | Where-Object { $_.id -eq $id -and $_.available -eq $version }) | Select-Object -First 1
    if (-not $app) { $out.Add('No package found matching input criteria.'); $global:LASTEXITCODE = Get-SignedHResult 0x8A150014 }
    elseif ($null -ne $app['failWith']) { $out.Add('Installer failed with exit code: 1603'); $global:LASTEXITCODE = Get-SignedHResult ([int64]$app['failWith']) }
    else {
      $script:S.appUpgrades = @($script:S.appUpgrades | Where-Object { $_.id -ne $id })
      foreach ($x in @($script:S.apps | Where-Object { $_.name -eq $app.name })) { $x.version = $version }
      $out.Add('Found ' + $app.name + ' [' + $app.id + '] Version ' + $version)
      $out.Add('Successfully installed')
      $global:LASTEXITCODE = 0
    }
  }
  Add-StandinEvent ('winget ' + ($a -join ' '))
  foreach ($l in $out) { ConvertFrom-NativeOutput $l }
}

$wingetPath = Join-Path $env:ProgramFiles 'WindowsApps/Microsoft.DesktopAppInstaller_1.24.25200.0_x64__8wekyb3d8bbwe/winget.exe'
if (-not $script:S.winget -and (Microsoft.PowerShell.Management\Test-Path -LiteralPath $wingetPath)) { Remove-Item -LiteralPath (Split-Path $wingetPath) -Recurse -Force }
if ($script:S.winget) {
  $null = New-Item -ItemType Directory -Force -Path (Split-Path $wingetPath)
  if (-not (Microsoft.PowerShell.Management\Test-Path -LiteralPath $wingetPath)) { Set-Content -LiteralPath $wingetPath -Value 'MZ' }
  $null = New-Item -Path Function: -Name ('global:' + $wingetPath) -Value { Invoke-Winget @args } -Force
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

Export-ModuleMember -Function @(
  'Save-StandinState', 'Get-Date', 'Start-Sleep', 'Test-Path', 'Get-ItemProperty', 'Get-CimInstance', 'Get-HotFix', 'Get-Service',
  'Get-ComputerRestorePoint', 'Checkpoint-Computer', 'Get-WindowsPackage', 'Remove-WindowsPackage', 'Start-Process', 'Get-Acl', 'Set-Acl',
  'New-Object', 'New-ScheduledTaskAction', 'New-ScheduledTaskPrincipal', 'New-ScheduledTaskSettingsSet', 'Register-ScheduledTask',
  'Start-ScheduledTask', 'Get-ScheduledTask', 'Get-ScheduledTaskInfo', 'Stop-ScheduledTask', 'Unregister-ScheduledTask', 'Restart-Computer')
