//! Authenticode signatures: the PE attribute certificate table's `WIN_CERTIFICATE` entries of
//! type `WIN_CERT_TYPE_PKCS_SIGNED_DATA`, each a DER PKCS#7 `ContentInfo` holding `SignedData`,
//! decoded with RustCrypto [`cms`] and [`x509_cert`] (no hand-written DER walker).
//!
//! # What is checked, and what is not
//! * The signer is the embedded certificate the `SignerInfo`'s identifier names (issuer +
//!   serial number, or subject key identifier).
//! * Its chain is followed through the *embedded* certificates by name: the next certificate is
//!   the one whose subject equals the current certificate's issuer and, when the current one
//!   has an authority key identifier, whose subject key identifier equals it. At most
//!   [`MAX_CHAIN_DEPTH`] steps; a certificate met twice ends the walk.
//! * The signature is taken to chain to a CA of the default Secure Boot `db` ([`SecureBootCa`])
//!   when a certificate on that chain *is* the CA (same subject name and subject key identifier)
//!   or *names it as issuer* (issuer name equal, and the authority key identifier, when present,
//!   equal to the CA's subject key identifier). [`AnchorMatch::key_id_matched`] says whether a
//!   key identifier confirmed the name.
//! * Not checked: any cryptographic signature (of the certificates, of the `SignerInfo`, or the
//!   PE image hash in `SpcIndirectDataContent`), validity periods, revocation (`dbx`). A forger
//!   can copy names and key identifiers; this answers "which CA does this binary claim", which is
//!   what decides whether a machine with the default `db` would even try it.

use der::{Decode, SliceReader};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, SubjectKeyIdentifier};
use x509_cert::Certificate;

use crate::error::{ArtifactError, Result};
use crate::pe::{self, WinCertificate, WIN_CERT_TYPE_PKCS_SIGNED_DATA};
use vhdlint_container::ReadAt;

/// Most certificates taken from one `SignedData` (real ones embed 2–4).
pub const MAX_SIGNED_DATA_CERTIFICATES: usize = 32;
/// Most `SignerInfo`s read from one `SignedData` (Authenticode has exactly one).
pub const MAX_SIGNER_INFOS: usize = 8;
/// Most issuer steps followed from the signer.
pub const MAX_CHAIN_DEPTH: usize = 8;

/// `id-signedData` (1.2.840.113549.1.7.2).
pub const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
/// `SPC_INDIRECT_DATA_OBJID` (1.3.6.1.4.1.311.2.1.4), Authenticode's content type.
pub const OID_SPC_INDIRECT_DATA: &str = "1.3.6.1.4.1.311.2.1.4";

const OID_SUBJECT_KEY_ID: &str = "2.5.29.14";
const OID_AUTHORITY_KEY_ID: &str = "2.5.29.35";

/// A CA certificate in the default Secure Boot signature database (`db`) Microsoft ships to
/// OEMs and Hyper-V / Azure Trusted Launch enrol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecureBootCa {
    /// Microsoft Windows Production PCA 2011 (signs Windows' own boot manager up to 2024).
    WindowsProductionPca2011,
    /// Windows UEFI CA 2023 (its successor).
    WindowsUefiCa2023,
    /// Microsoft Corporation UEFI CA 2011 (third-party: shim, option ROMs).
    MicrosoftUefiCa2011,
    /// Microsoft UEFI CA 2023 (its successor for third-party boot loaders).
    MicrosoftUefiCa2023,
}

/// A `db` CA's subject (RFC 4514, as [`x509_cert::name::Name`] displays it) and subject key
/// identifier. Values from the CA certificates themselves (virt-firmware's copies of Microsoft's
/// `db` certificates, `openssl x509 -ext subjectKeyIdentifier`); the 2011 UEFI CA's also from
/// the chain embedded in Debian's Microsoft-signed shim.
pub const SECURE_BOOT_DB: [(SecureBootCa, &str, [u8; 20]); 4] = [
    (
        SecureBootCa::WindowsProductionPca2011,
        "CN=Microsoft Windows Production PCA 2011,O=Microsoft Corporation,L=Redmond,ST=Washington,C=US",
        [
            0xa9, 0x29, 0x02, 0x39, 0x8e, 0x16, 0xc4, 0x97, 0x78, 0xcd, 0x90, 0xf9, 0x9e, 0x4f, 0x9a, 0xe1, 0x7c, 0x55, 0xaf, 0x53,
        ],
    ),
    (
        SecureBootCa::WindowsUefiCa2023,
        "CN=Windows UEFI CA 2023,O=Microsoft Corporation,C=US",
        [
            0xae, 0xfc, 0x5f, 0xbb, 0xbe, 0x05, 0x5d, 0x8f, 0x8d, 0xaa, 0x58, 0x54, 0x73, 0x49, 0x94, 0x17, 0xab, 0x5a, 0x52, 0x72,
        ],
    ),
    (
        SecureBootCa::MicrosoftUefiCa2011,
        "CN=Microsoft Corporation UEFI CA 2011,O=Microsoft Corporation,L=Redmond,ST=Washington,C=US",
        [
            0x13, 0xad, 0xbf, 0x43, 0x09, 0xbd, 0x82, 0x70, 0x9c, 0x8c, 0xd5, 0x4f, 0x31, 0x6e, 0xd5, 0x22, 0x98, 0x8a, 0x1b, 0xd4,
        ],
    ),
    (
        SecureBootCa::MicrosoftUefiCa2023,
        "CN=Microsoft UEFI CA 2023,O=Microsoft Corporation,C=US",
        [
            0x81, 0xaa, 0x6b, 0x32, 0x44, 0xc9, 0x35, 0xbc, 0xe0, 0xd6, 0x62, 0x8a, 0xf3, 0x98, 0x27, 0x42, 0x1e, 0x32, 0x49, 0x7d,
        ],
    ),
];

impl SecureBootCa {
    /// The CA's common name.
    pub fn name(self) -> &'static str {
        match self {
            SecureBootCa::WindowsProductionPca2011 => "Microsoft Windows Production PCA 2011",
            SecureBootCa::WindowsUefiCa2023 => "Windows UEFI CA 2023",
            SecureBootCa::MicrosoftUefiCa2011 => "Microsoft Corporation UEFI CA 2011",
            SecureBootCa::MicrosoftUefiCa2023 => "Microsoft UEFI CA 2023",
        }
    }
}

/// One embedded certificate, summarised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSummary {
    /// Subject, RFC 4514.
    pub subject: String,
    /// Issuer, RFC 4514.
    pub issuer: String,
    /// Serial number, lower-case hex.
    pub serial: String,
    /// Subject key identifier extension.
    pub subject_key_id: Option<Vec<u8>>,
    /// Authority key identifier's `keyIdentifier`.
    pub authority_key_id: Option<Vec<u8>>,
}

/// How the chain reached a `db` CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnchorMatch {
    /// The CA.
    pub ca: SecureBootCa,
    /// The CA's own certificate is embedded (else a chain certificate names it as issuer).
    pub embedded: bool,
    /// A key identifier confirmed the name match (subject key id of the embedded CA, or the
    /// authority key id of the certificate it issued).
    pub key_id_matched: bool,
}

/// One Authenticode signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticodeSignature {
    /// File offset of its `WIN_CERTIFICATE` (0 when parsed from bare DER).
    pub offset: u64,
    /// `encapContentInfo.eContentType` (Authenticode: [`OID_SPC_INDIRECT_DATA`]).
    pub content_type: String,
    /// The signer's digest algorithm OID (2.16.840.1.101.3.4.2.1 = SHA-256).
    pub digest_algorithm: String,
    /// The signer's certificate, when embedded.
    pub signer: Option<CertSummary>,
    /// The chain from the signer upwards, as far as the embedded certificates go (signer first).
    pub chain: Vec<CertSummary>,
    /// Every embedded certificate, in `SignedData` order.
    pub certificates: Vec<CertSummary>,
    /// The `db` CA the chain reaches, if any.
    pub anchor: Option<AnchorMatch>,
}

impl AuthenticodeSignature {
    /// The subjects of [`chain`](Self::chain), signer first.
    pub fn chain_subjects(&self) -> Vec<&str> {
        self.chain.iter().map(|c| c.subject.as_str()).collect()
    }
}

/// What a PE's certificate table says about its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeSignature {
    /// No security directory (or an empty one).
    Unsigned,
    /// One signature per `WIN_CERTIFICATE` of type PKCS#7; entries of other types are skipped.
    Signed(Vec<AuthenticodeSignature>),
}

impl PeSignature {
    /// The first signature whose chain reaches a `db` CA.
    pub fn trusted(&self) -> Option<&AuthenticodeSignature> {
        match self {
            PeSignature::Unsigned => None,
            PeSignature::Signed(s) => s.iter().find(|s| s.anchor.is_some()),
        }
    }
}

/// Reads the PE headers and certificate table of `src` and parses every signature.
pub fn read_pe_signature(src: &dyn ReadAt) -> Result<PeSignature> {
    let headers = pe::read_pe_headers(src)?;
    let entries = pe::read_certificates(src, &headers)?;
    signature_of(&entries)
}

/// Parses the PKCS#7 entries of a certificate table.
pub fn signature_of(entries: &[WinCertificate]) -> Result<PeSignature> {
    if entries.is_empty() {
        return Ok(PeSignature::Unsigned);
    }
    let mut out = Vec::new();
    for e in entries
        .iter()
        .filter(|e| e.certificate_type == WIN_CERT_TYPE_PKCS_SIGNED_DATA)
    {
        let mut s = parse_signed_data(&e.data)?;
        s.offset = e.offset;
        out.push(s);
    }
    if out.is_empty() {
        return Ok(PeSignature::Unsigned);
    }
    Ok(PeSignature::Signed(out))
}

fn der_error(structure: &'static str, e: der::Error) -> ArtifactError {
    let offset = e.position().map(|p| u64::from(u32::from(p))).unwrap_or(0);
    ArtifactError::invalid(structure, offset, e.to_string())
}

/// Parses one DER `ContentInfo` (trailing zero padding allowed) as Authenticode `SignedData`.
pub fn parse_signed_data(der_bytes: &[u8]) -> Result<AuthenticodeSignature> {
    let ci = {
        let mut r = SliceReader::new(der_bytes).map_err(|e| der_error("PKCS#7 ContentInfo", e))?;
        cms::content_info::ContentInfo::decode(&mut r)
            .map_err(|e| der_error("PKCS#7 ContentInfo", e))?
    };
    if ci.content_type.to_string() != OID_SIGNED_DATA {
        return Err(ArtifactError::invalid(
            "PKCS#7 ContentInfo",
            0,
            format!("content type {} is not SignedData", ci.content_type),
        ));
    }
    let sd: cms::signed_data::SignedData = ci
        .content
        .decode_as()
        .map_err(|e| der_error("PKCS#7 SignedData", e))?;
    let certs: Vec<&Certificate> = match &sd.certificates {
        Some(set) => set
            .0
            .iter()
            .filter_map(|c| match c {
                cms::cert::CertificateChoices::Certificate(c) => Some(c),
                _ => None,
            })
            .collect(),
        None => Vec::new(),
    };
    if certs.len() > MAX_SIGNED_DATA_CERTIFICATES {
        return Err(ArtifactError::TooLarge {
            structure: "PKCS#7 SignedData",
            offset: 0,
            what: "certificate count",
            actual: certs.len() as u64,
            limit: MAX_SIGNED_DATA_CERTIFICATES as u64,
        });
    }
    let signers = sd.signer_infos.0.as_slice();
    if signers.len() > MAX_SIGNER_INFOS {
        return Err(ArtifactError::TooLarge {
            structure: "PKCS#7 SignedData",
            offset: 0,
            what: "signer count",
            actual: signers.len() as u64,
            limit: MAX_SIGNER_INFOS as u64,
        });
    }
    let summaries: Vec<CertSummary> = certs.iter().map(|c| summarise(c)).collect();
    let signer_info = signers.first();
    let digest_algorithm = signer_info
        .map(|s| s.digest_alg.oid.to_string())
        .unwrap_or_default();
    let signer_index = signer_info.and_then(|si| {
        certs.iter().position(|c| match &si.sid {
            cms::signed_data::SignerIdentifier::IssuerAndSerialNumber(ias) => {
                c.tbs_certificate.issuer == ias.issuer
                    && c.tbs_certificate.serial_number == ias.serial_number
            }
            cms::signed_data::SignerIdentifier::SubjectKeyIdentifier(ski) => {
                summaries_ski(c).as_deref() == Some(ski.0.as_bytes())
            }
        })
    });
    let mut chain: Vec<CertSummary> = Vec::new();
    if let Some(mut cur) = signer_index {
        let mut visited = vec![false; summaries.len()];
        for _ in 0..MAX_CHAIN_DEPTH {
            let Some(c) = summaries.get(cur) else { break };
            if let Some(v) = visited.get_mut(cur) {
                if *v {
                    break;
                }
                *v = true;
            }
            chain.push(c.clone());
            let next = summaries.iter().position(|n| {
                n.subject == c.issuer
                    && match (&c.authority_key_id, &n.subject_key_id) {
                        (Some(a), Some(s)) => a == s,
                        _ => true,
                    }
            });
            match next {
                Some(n) if n != cur => cur = n,
                _ => break,
            }
        }
    }
    // The first certificate from the signer up that is, or was issued by, a `db` CA.
    let anchor = chain.iter().find_map(anchor_of);
    Ok(AuthenticodeSignature {
        offset: 0,
        content_type: sd.encap_content_info.econtent_type.to_string(),
        digest_algorithm,
        signer: signer_index.and_then(|i| summaries.get(i).cloned()),
        chain,
        certificates: summaries,
        anchor,
    })
}

/// The `db` CA `c` is, or was issued by.
fn anchor_of(c: &CertSummary) -> Option<AnchorMatch> {
    for (ca, name, ski) in SECURE_BOOT_DB {
        if c.subject == name {
            match &c.subject_key_id {
                Some(k) if k.as_slice() == ski.as_slice() => {
                    return Some(AnchorMatch {
                        ca,
                        embedded: true,
                        key_id_matched: true,
                    })
                }
                Some(_) => continue,
                None => {
                    return Some(AnchorMatch {
                        ca,
                        embedded: true,
                        key_id_matched: false,
                    })
                }
            }
        }
        if c.issuer == name {
            match &c.authority_key_id {
                Some(k) if k.as_slice() == ski.as_slice() => {
                    return Some(AnchorMatch {
                        ca,
                        embedded: false,
                        key_id_matched: true,
                    })
                }
                Some(_) => continue,
                None => {
                    return Some(AnchorMatch {
                        ca,
                        embedded: false,
                        key_id_matched: false,
                    })
                }
            }
        }
    }
    None
}

fn extension<'c>(c: &'c Certificate, oid: &str) -> Option<&'c [u8]> {
    c.tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id.to_string() == oid)
        .map(|e| e.extn_value.as_bytes())
}

fn summaries_ski(c: &Certificate) -> Option<Vec<u8>> {
    let v = extension(c, OID_SUBJECT_KEY_ID)?;
    SubjectKeyIdentifier::from_der(v)
        .ok()
        .map(|k| k.0.as_bytes().to_vec())
}

fn summarise(c: &Certificate) -> CertSummary {
    let tbs = &c.tbs_certificate;
    let authority_key_id = extension(c, OID_AUTHORITY_KEY_ID)
        .and_then(|v| AuthorityKeyIdentifier::from_der(v).ok())
        .and_then(|a| a.key_identifier.map(|k| k.as_bytes().to_vec()));
    let serial = tbs
        .serial_number
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    CertSummary {
        subject: tbs.subject.to_string(),
        issuer: tbs.issuer.to_string(),
        serial,
        subject_key_id: summaries_ski(c),
        authority_key_id,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::Arc;
    use vhdlint_container::FileSource;

    /// A file Debian's `shim-signed` / `shim-unsigned` installs under /usr/lib/shim, or `None`
    /// with a message (install shim-signed; `.ci/run` does).
    pub(crate) fn shim_file(name: &str) -> Option<PathBuf> {
        let p = PathBuf::from("/usr/lib/shim").join(name);
        if p.is_file() {
            Some(p)
        } else {
            eprintln!(
                "SKIPPED: {} absent (apt-get install shim-signed)",
                p.display()
            );
            None
        }
    }

    fn open(p: &std::path::Path) -> Arc<FileSource> {
        Arc::new(FileSource::open(p).unwrap())
    }

    #[test]
    fn microsoft_signed_shim_chains_to_the_2011_uefi_ca() {
        let Some(p) = shim_file("shimx64.efi.signed") else {
            return;
        };
        let sig = read_pe_signature(open(&p).as_ref()).unwrap();
        let trusted = sig
            .trusted()
            .expect("shim is signed by Microsoft's UEFI CA");
        assert_eq!(trusted.content_type, OID_SPC_INDIRECT_DATA);
        assert_eq!(trusted.digest_algorithm, "2.16.840.1.101.3.4.2.1");
        let signer = trusted.signer.as_ref().unwrap();
        assert!(
            signer
                .subject
                .starts_with("CN=Microsoft Windows UEFI Driver Publisher,"),
            "{}",
            signer.subject
        );
        assert_eq!(signer.issuer, SECURE_BOOT_DB[2].1);
        let m = trusted.anchor.unwrap();
        assert_eq!(m.ca, SecureBootCa::MicrosoftUefiCa2011);
        // Decided at the signer: issued by the CA, authority key id = the CA's key id.
        assert!(m.key_id_matched && !m.embedded);
        // The chain ends at the embedded UEFI CA 2011 certificate (shim embeds it).
        assert_eq!(
            trusted.chain_subjects().last().copied(),
            Some(SECURE_BOOT_DB[2].1)
        );
    }

    #[test]
    fn debian_signed_mok_manager_is_an_unknown_signer() {
        // mmx64.efi.signed: signed by Debian's own CA (trusted through shim's MOK, not the db).
        let Some(p) = shim_file("mmx64.efi.signed") else {
            return;
        };
        let PeSignature::Signed(sigs) = read_pe_signature(open(&p).as_ref()).unwrap() else {
            panic!("mmx64.efi.signed is signed")
        };
        assert_eq!(sigs.len(), 1);
        let signer = sigs[0].signer.as_ref().unwrap();
        assert_eq!(signer.subject, "CN=Debian Secure Boot Signer 2022 - shim");
        assert_eq!(signer.issuer, "CN=Debian Secure Boot CA");
        assert_eq!(sigs[0].anchor, None);
    }

    #[test]
    fn microsoft_shim_is_dual_signed_2011_and_2023() {
        // Debian's shim-signed carries two WIN_CERTIFICATEs: the 2011 UEFI CA signature and a
        // second one from the 2023 UEFI CA (for machines whose db has only the new CA).
        let Some(p) = shim_file("shimx64.efi.signed") else {
            return;
        };
        let PeSignature::Signed(sigs) = read_pe_signature(open(&p).as_ref()).unwrap() else {
            panic!("signed")
        };
        let got: Vec<_> = sigs
            .iter()
            .map(|s| (s.signer.as_ref().map(|c| c.subject.clone()), s.anchor))
            .collect();
        assert_eq!(sigs.len(), 2, "{got:?}");
        assert_eq!(
            sigs[0].anchor.map(|a| a.ca),
            Some(SecureBootCa::MicrosoftUefiCa2011),
            "{got:?}"
        );
        let second = &sigs[1];
        assert!(second
            .signer
            .as_ref()
            .unwrap()
            .subject
            .starts_with("CN=Microsoft UEFI CA 2023 signer,"));
        let m = second.anchor.unwrap();
        assert_eq!(m.ca, SecureBootCa::MicrosoftUefiCa2023, "{got:?}");
        assert!(m.key_id_matched, "{got:?}");
    }

    #[test]
    fn unsigned_shim_is_unsigned() {
        let Some(p) = shim_file("shimx64.efi") else {
            return;
        };
        assert_eq!(
            read_pe_signature(open(&p).as_ref()).unwrap(),
            PeSignature::Unsigned
        );
    }

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(vhdlint_testkit::testdata_file(&format!(
            "authenticode/{name}"
        )))
        .unwrap()
    }

    #[test]
    fn self_signed_and_self_made_ca_signers_are_unknown() {
        // sbsign with one self-signed certificate.
        let s = parse_signed_data(&fixture("selfsigned-sbsign.p7")).unwrap();
        assert_eq!(s.content_type, OID_SPC_INDIRECT_DATA);
        assert_eq!(
            s.signer.as_ref().unwrap().subject,
            "O=vhdlint tests,CN=vhdlint test signer"
        );
        assert_eq!(s.anchor, None);
        // osslsigncode, leaf + embedded self-made CA: the chain is followed to the CA.
        let s = parse_signed_data(&fixture("chain-osslsigncode.p7")).unwrap();
        assert_eq!(
            s.chain_subjects(),
            [
                "O=vhdlint tests,CN=vhdlint test leaf",
                "O=vhdlint tests,CN=vhdlint test CA"
            ]
        );
        assert_eq!(s.anchor, None);
        // Issuer *name* of Microsoft's UEFI CA 2011 but another key: the authority key id
        // differs from the real CA's subject key id, so it does not count.
        let s = parse_signed_data(&fixture("forged-uefi-ca.p7")).unwrap();
        assert_eq!(s.signer.as_ref().unwrap().issuer, SECURE_BOOT_DB[2].1);
        assert_eq!(s.anchor, None);
        // With its key identifiers stripped, only the name would be left: it then matches, and
        // says so (key_id_matched false).
        let mut c = s.signer.clone().unwrap();
        c.authority_key_id = None;
        assert_eq!(
            anchor_of(&c),
            Some(AnchorMatch {
                ca: SecureBootCa::MicrosoftUefiCa2011,
                embedded: false,
                key_id_matched: false
            })
        );
    }

    #[test]
    fn hostile_der_is_an_error() {
        for bad in [
            &b""[..],
            &[0x30, 0x80],
            &[0x30, 0x03, 0x06, 0x01, 0x00],
            &[0xff; 40],
        ] {
            assert!(parse_signed_data(bad).is_err());
        }
    }
}
