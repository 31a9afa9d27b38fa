//! Periodic background sync of remote sources while the window is open: every source whose
//! last attempt is older than the interval is synced again, unless the machine runs on
//! battery or has no network (it would only drain the battery or fill the page with
//! "cannot reach" errors). The interval is a setting of the app, kept in
//! `app-settings.json` in the data folder; 0 turns it off.

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use greenroom::catalog::store::SourceKind;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, Manager};

use crate::catalogs::Catalogs;
use crate::error::CommandError;
use crate::remote::{Syncing, run_sync};

/// The app's own settings file in the data folder (the CLI's settings are in config.toml).
const SETTINGS_FILE: &str = "app-settings.json";
/// The event carrying a background sync's progress (a `SyncProgress`).
pub const BACKGROUND_SYNC: &str = "background-sync";
/// The default interval: often enough to see the day's changes, rarely enough to cost
/// nothing noticeable.
const DEFAULT_INTERVAL_MINUTES: u32 = 30;
/// How often the schedule is looked at.
const CHECK_EVERY: Duration = Duration::from_secs(60);
/// The first look waits for the window to settle.
const FIRST_CHECK_AFTER: Duration = Duration::from_secs(20);

/// Settings of the background sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
pub struct SyncSettings {
    /// Minutes between syncs of a remote source; 0 turns the background sync off.
    pub interval_minutes: u32,
}

impl Default for SyncSettings {
    fn default() -> Self {
        SyncSettings {
            interval_minutes: DEFAULT_INTERVAL_MINUTES,
        }
    }
}

/// Why the background sync is not running now, if it is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum Pause {
    /// Turned off in the settings.
    Off,
    /// The computer runs on battery.
    OnBattery,
    /// No network route out of this computer.
    Offline,
}

/// The background sync as the Sources page shows it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct BackgroundSyncStatus {
    /// The settings.
    pub settings: SyncSettings,
    /// Why it is paused, if it is.
    pub paused: Option<Pause>,
    /// When it last ran (ms since the epoch), while this window has been open.
    pub last_run_at: Option<i64>,
    /// A sync (background or not) is running.
    pub running: bool,
}

/// The schedule's state.
pub struct BackgroundSync {
    settings_path: PathBuf,
    settings: Mutex<SyncSettings>,
    last_run_at: Mutex<Option<i64>>,
    /// Woken when the settings change, so a shorter interval applies at once.
    wake: Condvar,
}

impl BackgroundSync {
    /// Reads the settings from the data folder (defaults when there are none or they are
    /// unreadable: a broken settings file must not stop the app).
    pub fn load(data_dir: &Path) -> BackgroundSync {
        let settings_path = data_dir.join(SETTINGS_FILE);
        let settings = std::fs::read(&settings_path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<AppSettings>(&bytes).ok())
            .map(|s| s.background_sync)
            .unwrap_or_default();
        BackgroundSync {
            settings_path,
            settings: Mutex::new(settings),
            last_run_at: Mutex::new(None),
            wake: Condvar::new(),
        }
    }

    fn settings(&self) -> SyncSettings {
        self.settings.lock().map(|s| *s).unwrap_or_default()
    }

    fn save(&self, settings: SyncSettings) -> Result<(), CommandError> {
        let json = serde_json::to_vec_pretty(&AppSettings {
            background_sync: settings,
        })
        .map_err(|e| CommandError::internal(e.to_string()))?;
        let temp = self.settings_path.with_extension("json.tmp");
        let written =
            std::fs::write(&temp, json).and_then(|()| std::fs::rename(&temp, &self.settings_path));
        written.map_err(|e| CommandError::from(greenroom::Error::io(&self.settings_path, &e)))?;
        if let Ok(mut slot) = self.settings.lock() {
            *slot = settings;
        }
        self.wake.notify_all();
        Ok(())
    }
}

/// The settings file's layout.
#[derive(Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct AppSettings {
    background_sync: SyncSettings,
}

/// Whether the computer runs on battery, from the kernel's power supply classes
/// (`/sys/class/power_supply`): a discharging battery and no mains or USB supply online.
/// A desktop without a battery, or a system without this folder, is not on battery.
pub fn on_battery(power_supply: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(power_supply) else {
        return false;
    };
    let read = |dir: &Path, name: &str| {
        std::fs::read_to_string(dir.join(name))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let mut discharging = false;
    let mut plugged = false;
    for entry in entries.flatten() {
        let dir = entry.path();
        match read(&dir, "type").as_str() {
            "Battery" => discharging |= read(&dir, "status") == "Discharging",
            "Mains" | "USB" | "USB_C" | "USB_PD" => plugged |= read(&dir, "online") == "1",
            _ => {}
        }
    }
    discharging && !plugged
}

/// Whether there is a route out of this computer: a default route in the kernel's IPv4 or
/// IPv6 routing table (`/proc/net/route`, `/proc/net/ipv6_route`) on an interface other
/// than loopback. Without these files (other systems) the network is assumed to be there.
pub fn online(proc_net: &Path) -> bool {
    let v4 = std::fs::read_to_string(proc_net.join("route"));
    let v6 = std::fs::read_to_string(proc_net.join("ipv6_route"));
    if v4.is_err() && v6.is_err() {
        return true;
    }
    let v4_default = v4.unwrap_or_default().lines().skip(1).any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        // Iface, Destination, Gateway, Flags, ..., Mask at 7; flag 0x1 is "up".
        fields.len() > 7
            && fields[0] != "lo"
            && fields[1] == "00000000"
            && fields[7] == "00000000"
            && u32::from_str_radix(fields[3], 16).is_ok_and(|flags| flags & 1 == 1)
    });
    let v6_default = v6.unwrap_or_default().lines().any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        // Destination, prefix length, ..., interface last.
        fields.len() >= 10
            && fields[0] == "00000000000000000000000000000000"
            && fields[1] == "00"
            && fields[9] != "lo"
    });
    v4_default || v6_default
}

/// Why a background sync should not run now.
pub fn pause_reason(settings: SyncSettings, on_battery: bool, online: bool) -> Option<Pause> {
    if settings.interval_minutes == 0 {
        Some(Pause::Off)
    } else if on_battery {
        Some(Pause::OnBattery)
    } else if !online {
        Some(Pause::Offline)
    } else {
        None
    }
}

/// The remote sources due for a sync at `now`: never attempted, or last attempted at least
/// `interval` ago. `sources` pairs each id with its last attempt (ms since the epoch).
pub fn due(now: i64, interval: Duration, sources: &[(i64, Option<i64>)]) -> Vec<i64> {
    let interval = i64::try_from(interval.as_millis()).unwrap_or(i64::MAX);
    sources
        .iter()
        .filter(|(_, last)| last.is_none_or(|last| now.saturating_sub(last) >= interval))
        .map(|(id, _)| *id)
        .collect()
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn current_pause(settings: SyncSettings) -> Option<Pause> {
    pause_reason(
        settings,
        on_battery(Path::new("/sys/class/power_supply")),
        online(Path::new("/proc/net")),
    )
}

/// Starts the schedule on a thread of its own. Call once [`BackgroundSync`], [`Syncing`]
/// and the catalogs are managed by the app.
pub fn start(app: AppHandle) {
    let spawned = std::thread::Builder::new()
        .name("greenroom-background-sync".into())
        .spawn(move || {
            let mut wait = FIRST_CHECK_AFTER;
            loop {
                let state = app.state::<BackgroundSync>();
                let guard = state.settings.lock();
                let Ok(guard) = guard else { return };
                drop(state.wake.wait_timeout(guard, wait));
                wait = CHECK_EVERY;
                run_due(&app);
            }
        });
    if let Err(e) = spawned {
        eprintln!("greenroom: remote sources will not sync in the background: {e}");
    }
}

/// Syncs the remote sources that are due, unless paused or a sync is already running.
fn run_due(app: &AppHandle) {
    let state = app.state::<BackgroundSync>();
    let settings = state.settings();
    if current_pause(settings).is_some() || app.state::<Syncing>().busy() {
        return;
    }
    let catalogs = app.state::<Catalogs>();
    let sources = catalogs
        .read(|g| {
            let mut found = Vec::new();
            for source in g.catalog().sources()? {
                if source.kind != SourceKind::Remote {
                    continue;
                }
                let last = g
                    .remote_repos(&source.id.to_string())?
                    .iter()
                    .map(|r| r.attempted_at)
                    .max();
                found.push((source.id, last));
            }
            Ok(found)
        })
        .unwrap_or_default();
    let interval = Duration::from_secs(u64::from(settings.interval_minutes) * 60);
    for id in due(now_millis(), interval, &sources) {
        let result = run_sync(app, Some(id), &|event| {
            let _ = app.emit(BACKGROUND_SYNC, event);
        });
        if let Ok(mut last) = state.last_run_at.lock() {
            *last = Some(now_millis());
        }
        match result {
            Ok(reports) if reports.iter().any(|r| r.cancelled) => return,
            Ok(_) => {}
            Err(e) => eprintln!(
                "greenroom: background sync of source {id} failed: {}",
                e.message
            ),
        }
    }
}

/// The background sync's settings and whether it runs now.
#[tauri::command]
pub fn background_sync_status(app: AppHandle) -> BackgroundSyncStatus {
    let state = app.state::<BackgroundSync>();
    let settings = state.settings();
    BackgroundSyncStatus {
        settings,
        paused: current_pause(settings),
        last_run_at: state.last_run_at.lock().ok().and_then(|l| *l),
        running: app.state::<Syncing>().busy(),
    }
}

/// Changes the background sync's settings; they apply at once and are kept.
#[tauri::command]
pub fn set_sync_settings(
    app: AppHandle,
    settings: SyncSettings,
) -> Result<BackgroundSyncStatus, CommandError> {
    if settings.interval_minutes > 7 * 24 * 60 {
        return Err(CommandError::invalid(
            "the interval can be at most a week (10080 minutes); 0 turns the background sync off",
        ));
    }
    app.state::<BackgroundSync>().save(settings)?;
    Ok(background_sync_status(app))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn supply(root: &Path, name: &str, files: &[(&str, &str)]) {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).expect("folder");
        for (file, text) in files {
            std::fs::write(dir.join(file), format!("{text}\n")).expect("file");
        }
    }

    #[test]
    fn battery_is_read_from_the_power_supply_classes() {
        let laptop = tempfile::tempdir().expect("temp");
        supply(
            laptop.path(),
            "BAT0",
            &[("type", "Battery"), ("status", "Discharging")],
        );
        supply(laptop.path(), "AC", &[("type", "Mains"), ("online", "0")]);
        assert!(on_battery(laptop.path()));
        supply(laptop.path(), "AC", &[("type", "Mains"), ("online", "1")]);
        assert!(!on_battery(laptop.path()), "plugged in");

        let charging = tempfile::tempdir().expect("temp");
        supply(
            charging.path(),
            "BAT1",
            &[("type", "Battery"), ("status", "Charging")],
        );
        assert!(!on_battery(charging.path()));

        let desktop = tempfile::tempdir().expect("temp");
        supply(
            desktop.path(),
            "ucsi-source-psy",
            &[("type", "USB"), ("online", "0")],
        );
        assert!(!on_battery(desktop.path()), "no battery at all");
        assert!(!on_battery(&desktop.path().join("missing")));
    }

    #[test]
    fn a_default_route_means_online() {
        let net = tempfile::tempdir().expect("temp");
        let header =
            "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";
        std::fs::write(
            net.path().join("route"),
            format!("{header}eth0\t0011A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"),
        )
        .expect("route");
        assert!(!online(net.path()), "only a local network");
        std::fs::write(
            net.path().join("route"),
            format!(
                "{header}eth0\t00000000\t0111A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\neth0\t0011A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
            ),
        )
        .expect("route");
        assert!(online(net.path()));

        let v6 = tempfile::tempdir().expect("temp");
        std::fs::write(v6.path().join("route"), header).expect("route");
        std::fs::write(
            v6.path().join("ipv6_route"),
            "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000064 00000001 00000000 00000003     wlan0\n",
        )
        .expect("ipv6 route");
        assert!(online(v6.path()));
        assert!(
            online(&v6.path().join("elsewhere")),
            "unknown systems count as online"
        );
    }

    #[test]
    fn the_schedule_pauses_and_picks_what_is_due() {
        let on = SyncSettings {
            interval_minutes: 30,
        };
        assert_eq!(pause_reason(on, false, true), None);
        assert_eq!(pause_reason(on, true, true), Some(Pause::OnBattery));
        assert_eq!(pause_reason(on, false, false), Some(Pause::Offline));
        assert_eq!(
            pause_reason(
                SyncSettings {
                    interval_minutes: 0
                },
                false,
                true
            ),
            Some(Pause::Off)
        );

        let minute = 60_000;
        let now = 1_000 * minute;
        let sources = [
            (1, Some(now - 31 * minute)),
            (2, Some(now - 5 * minute)),
            (3, None),
            (4, Some(now - 30 * minute)),
        ];
        assert_eq!(due(now, Duration::from_secs(30 * 60), &sources), [1, 3, 4]);
    }

    #[test]
    fn settings_are_kept_in_the_data_folder() {
        let dir = tempfile::tempdir().expect("temp");
        let state = BackgroundSync::load(dir.path());
        assert_eq!(state.settings(), SyncSettings::default());
        state
            .save(SyncSettings {
                interval_minutes: 5,
            })
            .expect("save");
        let again = BackgroundSync::load(dir.path());
        assert_eq!(again.settings().interval_minutes, 5);
        std::fs::write(dir.path().join(SETTINGS_FILE), "{not json").expect("write");
        assert_eq!(
            BackgroundSync::load(dir.path()).settings(),
            SyncSettings::default(),
            "a broken file gives the defaults"
        );
    }
}
