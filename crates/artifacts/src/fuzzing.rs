//! Entry point shared by the `answer_file` fuzz target and the test replaying its inputs.

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
