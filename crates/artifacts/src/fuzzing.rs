//! Entry points of the artifact fuzz targets (`fuzz/fuzz_targets/artifacts_*.rs`), also replayed
//! by `tests/fuzz_replay.rs`: bytes in, every parser and accessor exercised, only panics, hangs
//! and OOMs count.

/// A PE file: headers, certificate table, every Authenticode signature.
pub fn exercise_pe(data: &[u8]) {
    let src = data.to_vec();
    if let Ok(h) = crate::pe::read_pe_headers(&src) {
        let _ = (h.is_efi_application(), h.machine.processor_architecture());
        if let Ok(certs) = crate::pe::read_certificates(&src, &h) {
            if let Ok(sig) = crate::authenticode::signature_of(&certs) {
                let _ = sig.trusted().map(|s| s.chain_subjects().len());
            }
        }
    }
}

/// A bare PKCS#7 `ContentInfo` (what `WIN_CERTIFICATE` holds).
pub fn exercise_authenticode(data: &[u8]) {
    if let Ok(s) = crate::authenticode::parse_signed_data(data) {
        let _ = (s.chain_subjects(), s.anchor);
    }
}

/// A Panther log, as setupact and as setuperr.
pub fn exercise_panther(data: &[u8]) {
    let log = crate::panther::parse_log(data);
    if let Some(r) = log.last_run() {
        let _ = (
            r.vm_mode(),
            r.generalize(),
            r.cause(&[]).map(|c| c.describe()),
        );
    }
    let _ = crate::panther::classify(Some(data), Some(data), Some(false));
}

/// A task XML file.
pub fn exercise_task(data: &[u8]) {
    let _ = crate::tasks::parse_task(data);
}

/// A hiberfil.sys header.
pub fn exercise_hiberfil(data: &[u8]) {
    let _ = crate::hiberfil::read_hiberfil_header(&data.to_vec()).map(|h| h.state.resumable());
}
