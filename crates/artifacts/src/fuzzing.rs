//! Entry points of the artifact fuzz targets, also replayed by `tests/fuzz_replay.rs`: bytes in,
//! every parser and accessor exercised; only panics, hangs and OOMs count.

use crate::credential_files::CredentialFile;
use crate::unattend_secrets::scan_answer_file;

/// Scans `data` as an answer file (XML and, with its first byte changed, INI), then through
/// every credential-file classifier; touches every field of every result.
pub fn exercise_answer_file(data: &[u8]) {
    let scan = scan_answer_file(data);
    for c in &scan.credentials {
        let _ = (
            c.kind.as_str(),
            c.encoding.describe(),
            c.element_path.len(),
            c.line,
        );
        let _ = (
            c.length,
            c.plain_text_flag,
            c.account.as_ref().map(String::len),
        );
    }
    if let Some((_, rest)) = data.split_first() {
        let mut inf = Vec::with_capacity(data.len());
        inf.push(b';');
        inf.extend_from_slice(rest);
        let _ = scan_answer_file(&inf).credentials.len();
    }
    for kind in [
        CredentialFile::SshKey,
        CredentialFile::PsReadLineHistory,
        CredentialFile::AwsCredentials,
        CredentialFile::DockerConfig,
        CredentialFile::GitCredentials,
        CredentialFile::AzureTokenCache,
    ] {
        let s = kind.scan(data);
        let _ = format!("{:?}", s.hits);
    }
}

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
