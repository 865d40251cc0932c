# Part of Patchwell.WindowsStandins.psm1 (dot-sourced into the module; $script:S is the machine's state).
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
