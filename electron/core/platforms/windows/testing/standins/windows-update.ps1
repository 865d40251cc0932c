# Part of Patchwell.WindowsStandins.psm1 (dot-sourced into the module; $script:S is the machine's state).
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
