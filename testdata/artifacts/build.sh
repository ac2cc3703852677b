#!/usr/bin/env bash
# Writes the hand-made artifact samples (fuzz seeds and test inputs; no third-party writer exists
# for these formats), encoded as Windows writes them with iconv:
#   setupact-appx.log      Sysprep\Panther\setupact.log: a /mode:vm run that succeeded, then one
#                          that failed on an Appx package (UTF-16LE with BOM, CRLF, to exercise
#                          the decoder)
#   ScheduledDefrag.xml    Tasks\Microsoft\Windows\Defrag\ScheduledDefrag (UTF-16LE with BOM,
#                          as Task Scheduler stores it)
#   hiberfil-header.bin    a 4 KiB hiberfil.sys header page with the Windows 8+ HIBR signature
set -euo pipefail
cd "$(dirname "$0")"
utf16() { printf '\xff\xfe'; sed 's/$/\r/' | iconv -f UTF-8 -t UTF-16LE; }
utf16 >setupact-appx.log <<'LOG'
2025-07-20 09:00:00, Info                  SYSPRP ========================================================
2025-07-20 09:00:00, Info                  SYSPRP ===          Beginning of a new sysprep run          ===
2025-07-20 09:00:00, Info                  SYSPRP ========================================================
2025-07-20 09:00:00, Info       [0x0f005f] SYSPRP ParseCommands:Found supported command line option 'GENERALIZE'
2025-07-20 09:00:00, Info       [0x0f005f] SYSPRP ParseCommands:Found supported command line option 'OOBE'
2025-07-20 09:00:00, Info       [0x0f005f] SYSPRP ParseCommands:Found supported command line option 'MODE'
2025-07-20 09:00:01, Info                  SYSPRP SysprepSession::CreateSession: Successfully created instance with action file C:\Windows\System32\Sysprep\ActionFiles\Generalize.xml, and mode <VM>
2025-07-20 09:00:09, Info       [0x0f0080] SYSPRP FCreateTagFile:Successfully created tag file C:\Windows\System32\Sysprep\Sysprep_succeeded.tag
2025-07-20 09:00:09, Info       [0x0f0052] SYSPRP Shutting down SysPrep log
2025-07-22 21:55:35, Info                  SYSPRP ========================================================
2025-07-22 21:55:35, Info                  SYSPRP ===          Beginning of a new sysprep run          ===
2025-07-22 21:55:35, Info                  SYSPRP ========================================================
2025-07-22 21:55:35, Info       [0x0f004d] SYSPRP The time is now 2025-07-22 21:55:35
2025-07-22 21:55:35, Info       [0x0f005f] SYSPRP ParseCommands:Found supported command line option 'OOBE'
2025-07-22 21:55:35, Info       [0x0f005f] SYSPRP ParseCommands:Found supported command line option 'GENERALIZE'
2025-07-22 21:55:35, Info       [0x0f005f] SYSPRP ParseCommands:Found supported command line option 'SHUTDOWN'
2025-07-22 21:55:35, Info                  SYSPRP SysprepSession::CreateSession: Successfully created instance with action file C:\Windows\System32\Sysprep\ActionFiles\Generalize.xml, and mode <null>
2025-07-22 21:55:35, Info                  SYSPRP ActionPlatform::LaunchModule: Executing method 'SysprepGeneralizeValidate' from C:\Windows\System32\AppxSysprep.dll
2025-07-22 21:55:35, Error                 SYSPRP Package Microsoft.Edge.GameAssist_1.0.3423.0_x64__8wekyb3d8bbwe was installed for a user, but not provisioned for all users. This package will not function properly in the sysprep image.
2025-07-22 21:55:35, Error                 SYSPRP Failed to remove apps for the current user: 0x80073cf2.
2025-07-22 21:55:35, Error      [0x0f0070] SYSPRP RunDlls:An error occurred while running registry sysprep DLLs, halting sysprep execution. dwRet = 0x3cf2
2025-07-22 21:55:35, Error      [0x0f00d8] SYSPRP WinMain:Hit failure while pre-validate sysprep generalize internal providers; hr = 0x80073cf2
2025-07-22 21:55:35, Info       [0x0f0052] SYSPRP Shutting down SysPrep log
LOG
utf16 >ScheduledDefrag.xml <<'XML'
<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.6" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Source>$(@%systemroot%\system32\dfrgui.exe,-117)</Source>
    <URI>\Microsoft\Windows\Defrag\ScheduledDefrag</URI>
  </RegistrationInfo>
  <Principals><Principal id="LocalSystem"><UserId>S-1-5-18</UserId></Principal></Principals>
  <Settings>
    <MaintenanceSettings><Period>P7D</Period><Deadline>P1M</Deadline><Exclusive>true</Exclusive></MaintenanceSettings>
    <Enabled>true</Enabled>
  </Settings>
  <Triggers />
  <Actions Context="LocalSystem">
    <Exec><Command>%windir%\system32\defrag.exe</Command><Arguments>-c -h -o -$</Arguments></Exec>
  </Actions>
</Task>
XML
{ printf 'HIBR'; head -c 4092 /dev/zero; } >hiberfil-header.bin
ls -l setupact-appx.log ScheduledDefrag.xml hiberfil-header.bin
