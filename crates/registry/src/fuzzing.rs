//! Entry points shared by the registry fuzz targets and the test replaying their inputs.

use std::sync::Arc;

use crate::{
    current_control_set, BcdStore, Hive, HiveLogs, HiveOptions, Key, LsaSecrets, ReadAt,
    SamDatabase,
};

/// Most keys visited per input.
pub const MAX_KEYS: usize = 2000;

/// Opens `data` as a hive and walks every key and value (bounded), the control set and BCD.
pub fn exercise_hive(data: &[u8]) {
    let source: Arc<dyn ReadAt> = Arc::new(data.to_vec());
    if let Ok(hive) = Hive::open(source, HiveLogs::none(), HiveOptions::default()) {
        walk(&hive);
    }
}

/// Splits `data` at its first byte's fraction into a hive and a `.LOG1`, and replays.
pub fn exercise_log_replay(data: &[u8]) {
    let Some((&cut, rest)) = data.split_first() else {
        return;
    };
    let at = rest.len() * usize::from(cut) / 255;
    let (hive, log) = rest.split_at(at.min(rest.len()));
    let logs = HiveLogs {
        log: Some(Arc::new(log.to_vec())),
        log1: Some(Arc::new(log.to_vec())),
        log2: None,
    };
    if let Ok(h) = Hive::open(Arc::new(hive.to_vec()), logs, HiveOptions::default()) {
        let _ = format!("{:?}", h.status().diagnostics);
        walk(&h);
    }
}

/// Opens `data` as a BCD store (a hive, then `BcdStore::read`) and reads every element of every
/// object through each accessor, plus the boot manager's default entry.
pub fn exercise_bcd(data: &[u8]) {
    let source: Arc<dyn ReadAt> = Arc::new(data.to_vec());
    let Ok(hive) = Hive::open(source, HiveLogs::none(), HiveOptions::default()) else {
        return;
    };
    let Ok(store) = BcdStore::read(&hive) else {
        return;
    };
    for object in &store.objects {
        let _ = (object.application_path(), object.description());
        let _ = (object.testsigning(), object.nointegritychecks());
        for element in &object.elements {
            let _ = object.string(element.element_type);
            let _ = object.boolean(element.element_type);
            let _ = format!("{:?}", element.value);
            let _ = object
                .device(element.element_type)
                .map(|d| d.map(|d| d.device.to_string()));
        }
        let _ = store.object(&object.guid);
    }
    let _ = store.boot_manager().map(|b| b.elements.len());
    let _ = store
        .default_entry()
        .map(|e| (e.application_path().map(str::len), e.object_type));
}

/// Opens `data` as a SAM hive and reads every account and alias through each accessor, then as
/// a SECURITY hive (secret names and lengths); also feeds `data` itself to the value parsers.
pub fn exercise_sam(data: &[u8]) {
    let _ = crate::sam::parse_user_f(data, 0);
    let _ = crate::sam::parse_user_v(data, 0);
    let _ = crate::sam::parse_alias_c(data, 0);
    let source: Arc<dyn ReadAt> = Arc::new(data.to_vec());
    let Ok(hive) = Hive::open(source, HiveLogs::none(), HiveOptions::default()) else {
        return;
    };
    if let Ok(db) = SamDatabase::read(&hive) {
        for a in &db.accounts {
            let _ = (
                a.username().len(),
                a.disabled(),
                a.locked(),
                a.password_set(),
            );
            let _ = (a.password_not_required(), a.password_never_expires());
            let _ = (
                a.lm_hash_stored(),
                db.is_admin(a.rid),
                db.is_remote_desktop_user(a.rid),
            );
        }
        let _ = db.domain_sid().map(|s| s.to_string());
        let _ = format!("{:?}", db.problems);
    }
    if let Ok(lsa) = LsaSecrets::read(&hive) {
        let _ = lsa.secret("DefaultPassword").map(|s| s.current_len);
    }
}

/// A BCD device element's bytes (`Elements\11000001\Element` and kin), decoded and displayed.
pub fn exercise_bcd_device(data: &[u8]) {
    if let Ok(d) = crate::bcd_device::parse_device_element(data) {
        let _ = (d.device.to_string(), d.device.partition());
    }
}

/// Walks a hive as a caller would: the control set, the BCD reading, then every key (at most
/// [`MAX_KEYS`]) with its class name, values and data. Returns how many keys it visited.
pub fn walk(hive: &Hive) -> usize {
    let _ = current_control_set(hive);
    let _ = BcdStore::read(hive).map(|s| {
        s.default_entry()
            .map(|e| e.application_path().map(str::len))
    });
    let Ok(root) = hive.root() else {
        return 0;
    };
    let mut stack: Vec<Key> = vec![root];
    let mut seen = 0;
    while let Some(key) = stack.pop() {
        seen += 1;
        if seen > MAX_KEYS {
            return seen;
        }
        let _ = key.class_name();
        if let Ok(values) = key.values() {
            for v in values {
                let _ = v.data();
            }
        }
        if let Ok(subkeys) = key.subkeys() {
            stack.extend(subkeys);
        }
    }
    seen
}
