//! Will it provision? The clean-state, refused-software and reachability facts of issue 14
//! (items 5–14): pending servicing, the NTFS dirty bit, `hiberfil.sys`, the last sysprep run
//! (Panther logs), FSLogix / AVD agent / Configuration Manager / Unified Write Filter
//! components, the Start-menu app count, Dev Box's maintenance tasks, and the Azure "prepare a
//! Windows VHD" reachability settings (windows-image-facts §11, §14.3–§14.6).
//!
//! Serialized as `windows.provision` (camelCase); every fact carries the keys, values and files
//! looked at, present or absent.

use serde::Serialize;

use crate::evidence::Fact;

/// How the last sysprep run ended, as `Windows\System32\Sysprep\Panther\setupact.log` (and
/// `setuperr.log`) record it (windows-image-facts §14.5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SysprepOutcome {
    /// No log, or a log without any run: sysprep never ran (or its logs were deleted).
    #[default]
    NeverRan,
    /// The last run logged errors and did not create `Sysprep_succeeded.tag`.
    Failed,
    /// The last run ended without success and without an error (interrupted, or captured while
    /// running).
    Incomplete,
    /// The last run succeeded without `/generalize`.
    NotGeneralized,
    /// The last run generalized successfully.
    Generalized,
    /// The last run generalized successfully, but the image is no longer generalized: it was
    /// booted again after sysprep.
    GeneralizedThenBootedAgain,
}

impl SysprepOutcome {
    /// The camelCase name (`neverRan`).
    pub fn as_str(self) -> &'static str {
        match self {
            SysprepOutcome::NeverRan => "neverRan",
            SysprepOutcome::Failed => "failed",
            SysprepOutcome::Incomplete => "incomplete",
            SysprepOutcome::NotGeneralized => "notGeneralized",
            SysprepOutcome::Generalized => "generalized",
            SysprepOutcome::GeneralizedThenBootedAgain => "generalizedThenBootedAgain",
        }
    }
}

/// The last sysprep run.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SysprepRunFacts {
    /// How it ended.
    pub outcome: SysprepOutcome,
    /// The run banner's timestamp.
    pub time: Option<String>,
    /// The cause of failure with its fix, when an error line names one.
    pub cause: Option<String>,
    /// The Appx package full name, when the cause is an Appx package installed for a user but
    /// not provisioned for all users.
    pub appx_package: Option<String>,
    /// The last successful generalize used `/mode:vm` (`None` without one).
    pub vm_mode: Option<bool>,
}

/// The facts of issue 14 items 5–14.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvisionFacts {
    /// A restart is pending: `Session Manager\PendingFileRenameOperations` non-empty, CBS
    /// `RebootPending` / `PackagesPending`, WU `Auto Update\RebootRequired`, or
    /// `Windows\WinSxS\pending.xml` (one evidence entry per hit; the places looked at when none).
    pub pending_servicing: Fact<bool>,
    /// The Windows volume's NTFS dirty bit (`$VOLUME_INFORMATION` flags & 0x0001); `None` when
    /// the flags could not be read.
    pub volume_dirty: Fact<Option<bool>>,
    /// `hiberfil.sys` holds a session to resume (`HIBR`/`hibr`, `RSTR`, `LINK`; `WAKE` and an
    /// all-zero header do not count).
    pub hibernated: Fact<bool>,
    /// The last sysprep run, from the Panther logs.
    pub sysprep: Fact<SysprepRunFacts>,
    /// FSLogix components (services `frxsvc`, `frxccds`, `frxdrv`, `frxdrvvt`, `frxccd`;
    /// `Program Files\FSLogix`).
    pub fslogix: Fact<bool>,
    /// The AVD agent (service `RDAgentBootLoader`, `SOFTWARE\Microsoft\RDInfraAgent`,
    /// `Program Files\Microsoft RDInfra`); never the Azure VM agent's `RdAgent`.
    pub avd_agent: Fact<bool>,
    /// The Configuration Manager client (service `CcmExec`, `Windows\CCM`,
    /// `SOFTWARE\Microsoft\CCM`).
    pub configmgr_client: Fact<bool>,
    /// Unified Write Filter drivers enabled (`uwfvol`, `uwfs`, `uwfreg` with `Start` ≠ 4).
    pub uwf_enabled: Fact<bool>,
    /// Start-menu shortcuts (`.lnk`/`.url`) under `ProgramData\…\Start Menu\Programs` and the
    /// default profile's, plus provisioned Appx applications where readable.
    pub start_menu_apps: Fact<u32>,
    /// The walk behind [`ProvisionFacts::start_menu_apps`] stopped at a cap (the count is a
    /// lower bound).
    pub start_menu_capped: bool,
    /// Scheduled tasks Dev Box asks to disable that are enabled (`ScheduledDefrag`,
    /// `ProactiveScan`), by task path.
    pub maintenance_tasks_enabled: Fact<Vec<String>>,
    /// RDP is denied: `fDenyTSConnections` = 1 in `Control\Terminal Server` or in the policy
    /// key `SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services` (the policy wins).
    pub rdp_denied: Fact<bool>,
    /// `WinStations\RDP-Tcp` `PortNumber` (3389 expected), when set.
    pub rdp_port: Fact<Option<u32>>,
    /// `Control\TimeZoneInformation` `RealTimeIsUniversal`, when set.
    pub real_time_is_universal: Fact<Option<u32>>,
    /// `Services\partmgr\Parameters` `SanPolicy`, when set (1 = OnlineAll).
    pub san_policy: Fact<Option<u32>>,
    /// Firewall profiles whose `EnableFirewall` is 0 (`DomainProfile`, `PublicProfile`,
    /// `StandardProfile`).
    pub firewall_profiles_off: Fact<Vec<String>>,
    /// The Azure VM agent is installed (service `WindowsAzureGuestAgent`, or `RdAgent` whose
    /// `ImagePath` is under `WindowsAzure`).
    pub azure_vm_agent: Fact<bool>,
}
