; PostureWatch for Windows: a per-machine NSIS installer, rendered by
; installers/nsis.py with pynsist's template engine (double square brackets).
;
; Silent:     PostureWatch-VERSION-amd64.exe /S [/D=C:\Path\Without\Quotes]
; Uninstall:  "C:\Program Files\PostureWatch\uninstall.exe" /S
;
; Installs into $PROGRAMFILES64\PostureWatch, the IT policy into
; %ProgramData%\PostureWatch\policy.toml, starts the tray at every user's
; login (HKLM ...\Run), puts bin\ on the system PATH. Running it over an
; older version replaces the program and the policy; the users' own settings
; and data (%LOCALAPPDATA%\posturewatch) are never touched, not even by the
; uninstaller.

!define PRODUCT_NAME "[[ib.appname]]"
!define PRODUCT_VERSION "[[ib.version]]"
!define PUBLISHER "[[ib.publisher]]"
!define INSTALLER_NAME "[[ib.installer_name]]"
!define PRODUCT_ICON "[[icon]]"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\PostureWatch"
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
!define LAUNCHER "[[launcher]]"
!define POLICY_FOLDER "$APPDATA\PostureWatch"
; Ends any PostureWatch started from this folder (an upgrade or uninstall
; must replace files the tray holds open); other Python programs are left alone.
!define STOP_RUNNING `powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command "Get-Process python,pythonw -ErrorAction SilentlyContinue | Where-Object Path -like '$INSTDIR\*' | Stop-Process -Force"`

Unicode true
ManifestDPIAware true
SetCompressor /SOLID lzma
RequestExecutionLevel admin
InstallDir "$PROGRAMFILES64\PostureWatch"
Name "${PRODUCT_NAME} ${PRODUCT_VERSION}"
OutFile "${INSTALLER_NAME}"
ShowInstDetails show
ShowUninstDetails show

!include "MUI2.nsh"
!include "x64.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"

!define MUI_ABORTWARNING
!define MUI_ICON "${PRODUCT_ICON}"
!define MUI_UNICON "${PRODUCT_ICON}"
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

VIProductVersion "[[vi_version]]"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductName" "${PRODUCT_NAME}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductVersion" "${PRODUCT_VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileDescription" "${PRODUCT_NAME} installer"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileVersion" "${PRODUCT_VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "LegalCopyright" "PostureWatch contributors"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_OK|MB_ICONSTOP "${PRODUCT_NAME} needs 64-bit Windows 10 or later." /SD IDOK
    SetErrorLevel 2
    Quit
  ${EndIf}
  SetRegView 64
  SetShellVarContext all
  UserInfo::GetAccountType
  Pop $0
  ${If} $0 != "admin"
    MessageBox MB_OK|MB_ICONSTOP "Installing ${PRODUCT_NAME} for every user needs administrator rights." /SD IDOK
    SetErrorLevel 740
    Quit
  ${EndIf}
  ; An upgrade goes where the previous version is (unless /D= says otherwise).
  ReadRegStr $0 HKLM "${UNINSTALL_KEY}" "InstallLocation"
  ${If} $0 != ""
  ${AndIf} $INSTDIR == "$PROGRAMFILES64\PostureWatch"
    StrCpy $INSTDIR $0
  ${EndIf}
FunctionEnd

Function un.onInit
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Section "!${PRODUCT_NAME}" sec_app
  SectionIn RO
  SetRegView 64
  SetShellVarContext all

  ; Upgrade: stop the old tray, remove the old program (never user data).
  nsExec::Exec `${STOP_RUNNING}`
  RMDir /r "$INSTDIR\pkgs"
  RMDir /r "$INSTDIR\Python"
  RMDir /r "$INSTDIR\bin"

  SetOverwrite on
  ; Files
  [% for destination, group in grouped_files %]
  SetOutPath "[[destination]]"
    [% for file in group %]
  File "[[ file ]]"
    [% endfor %]
  [% endfor %]
  ; Folders
  SetOutPath "$INSTDIR\pkgs"
  File /r "pkgs\*.*"
  [% for dir, destination in ib.install_dirs %]
  SetOutPath "[[ pjoin(destination, dir) ]]"
  File /r "[[dir]]\*.*"
  [% endfor %]

  ; The IT policy, where PostureWatch looks for it.
  CreateDirectory "${POLICY_FOLDER}"
  SetOutPath "${POLICY_FOLDER}"
  File "policy.toml"

  ; The tray at every user's login.
  WriteRegStr HKLM "${RUN_KEY}" "${PRODUCT_NAME}" '"$INSTDIR\Python\pythonw.exe" "$INSTDIR\${LAUNCHER}"'

  ; Start menu entry.
  SetOutPath "$INSTDIR"
  CreateShortCut "$SMPROGRAMS\${PRODUCT_NAME}.lnk" "$INSTDIR\Python\pythonw.exe" \
    '"$INSTDIR\${LAUNCHER}"' "$INSTDIR\${PRODUCT_ICON}"

  ; "posturewatch" in every new console.
  nsExec::ExecToLog '"$INSTDIR\Python\python.exe" -Es "$INSTDIR\_system_path.py" add "$INSTDIR\bin"'

  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "${PRODUCT_NAME}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${PRODUCT_VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${PRODUCT_ICON}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "Uninstall"
  SetRegView 64
  SetShellVarContext all
  nsExec::Exec `${STOP_RUNNING}`
  nsExec::ExecToLog '"$INSTDIR\Python\python.exe" -Es "$INSTDIR\_system_path.py" remove "$INSTDIR\bin"'

  DeleteRegValue HKLM "${RUN_KEY}" "${PRODUCT_NAME}"
  Delete "$SMPROGRAMS\${PRODUCT_NAME}.lnk"
  Delete "${POLICY_FOLDER}\policy.toml"
  RMDir "${POLICY_FOLDER}"

  [% for file, destination in ib.install_files %]
  Delete "[[pjoin(destination, file)]]"
  [% endfor %]
  [% for dir, destination in ib.install_dirs %]
  RMDir /r "[[pjoin(destination, dir)]]"
  [% endfor %]
  RMDir /r "$INSTDIR\pkgs"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
SectionEnd
