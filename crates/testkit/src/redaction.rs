//! The never-print-secrets check: given secrets planted in a fixture, assert that an output
//! (text, JSON, SARIF, JUnit, annotations, an error message, `Debug` text) holds none of them in
//! any form a reader could turn back into the secret.
//!
//! Forms checked, for each secret: the plain text (case-insensitive), JSON- and XML-escaped
//! text, UTF-16LE as text (`s\0e\0…`), hex of the UTF-8 and UTF-16LE bytes (either case), and
//! base64 (standard and URL-safe alphabets) of the UTF-8 and UTF-16LE bytes at each of the three
//! byte alignments a secret can have inside a longer encoded stream — which also covers the
//! unattend `PlainText=false` form, base64(UTF-16LE(secret + element name)).
//!
//! The forms are only meaningful for secrets of at least [`MIN_SECRET_LEN`] characters (shorter
//! ones would match by chance); planting a shorter one is refused.

use base64::Engine as _;

/// Shortest secret accepted: its forms must not occur by chance in honest output.
pub const MIN_SECRET_LEN: usize = 8;
/// Fewest base64 characters of an embedded secret that are checked (the core that does not
/// depend on neighbouring bytes).
const MIN_BASE64_CORE: usize = 8;

/// The forms of `secret` that must not appear, each with a name saying which form it is.
pub fn secret_forms(secret: &str) -> Vec<(String, String)> {
    assert!(
        secret.chars().count() >= MIN_SECRET_LEN,
        "plant secrets of at least {MIN_SECRET_LEN} characters (got {})",
        secret.chars().count()
    );
    let utf8 = secret.as_bytes().to_vec();
    let utf16: Vec<u8> = secret.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let mut forms = vec![
        ("plain".to_string(), secret.to_string()),
        (
            "json-escaped".into(),
            secret.replace('\\', "\\\\").replace('"', "\\\""),
        ),
        (
            "xml-escaped".into(),
            secret
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\'', "&apos;"),
        ),
        (
            "utf-16le text".into(),
            secret.chars().flat_map(|c| [c, '\0']).collect(),
        ),
        ("hex utf-8".into(), hex(&utf8)),
        ("hex utf-16le".into(), hex(&utf16)),
    ];
    for (name, bytes) in [("utf-8", &utf8), ("utf-16le", &utf16)] {
        for (alphabet, engine) in [
            ("base64", &base64::engine::general_purpose::STANDARD),
            ("base64url", &base64::engine::general_purpose::URL_SAFE),
        ] {
            for k in 0..3usize {
                let mut padded = vec![0u8; k];
                padded.extend_from_slice(bytes);
                let enc = engine.encode(&padded);
                // Characters fully determined by the secret's bytes: bits 8k .. 8(k+n).
                let first = (8 * k).div_ceil(6);
                let last = 8 * (k + bytes.len()) / 6;
                if let Some(core) = enc.get(first..last).filter(|c| c.len() >= MIN_BASE64_CORE) {
                    forms.push((
                        format!("{alphabet} of {name} at alignment {k}"),
                        core.to_string(),
                    ));
                }
            }
        }
    }
    forms
}

/// The first form of any secret found in `output`, as (secret index, form name).
pub fn find_secret(output: &str, secrets: &[&str]) -> Option<(usize, String)> {
    let lower = output.to_lowercase();
    for (i, s) in secrets.iter().enumerate() {
        for (form, text) in secret_forms(s) {
            let hit = match form.as_str() {
                "plain" | "json-escaped" | "xml-escaped" | "utf-16le text" => {
                    lower.contains(&text.to_lowercase())
                }
                f if f.starts_with("hex") => lower.contains(&text),
                _ => output.contains(&text),
            };
            if hit {
                return Some((i, form));
            }
        }
    }
    None
}

/// Panics (naming the form, never echoing the output or the secret) when `output` holds any
/// form of any of `secrets`. `what` names the output, e.g. `"audit --format sarif"`.
pub fn assert_no_secrets(what: &str, output: &str, secrets: &[&str]) {
    if let Some((i, form)) = find_secret(output, secrets) {
        panic!("{what}: planted secret #{i} appears in its {form} form");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: &str = "Pl4nted-S3cret!";

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn every_form_is_caught_and_clean_output_passes() {
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let unattend = b64(&utf16(&format!("{S}AdministratorPassword")));
        let cases = [
            format!("password is {}", S.to_uppercase()),
            format!("{{\"v\":\"{}\"}}", b64(S.as_bytes())),
            format!("x{}y", b64(format!("ab{S}cd").as_bytes())),
            format!("x{}y", b64(format!("a{S}").as_bytes())),
            format!("<Value>{unattend}</Value>"),
            S.chars().flat_map(|c| [c, '\0']).collect::<String>(),
            S.bytes().map(|b| format!("{b:02X}")).collect::<String>(),
            base64::engine::general_purpose::URL_SAFE.encode(utf16(S)),
        ];
        for (n, out) in cases.iter().enumerate() {
            assert!(find_secret(out, &[S]).is_some(), "case {n} not caught");
        }
        let clean = "administrator-password in \\Windows\\Panther\\unattend.xml: 15 characters, \
                     base64-encoded, trivially reversible";
        assert_eq!(find_secret(clean, &[S]), None);
        assert_no_secrets("clean", clean, &[S]);
    }

    #[test]
    #[should_panic(expected = "appears in its")]
    fn a_leak_fails_the_assertion() {
        assert_no_secrets("leaky", &format!("oops {S}"), &[S]);
    }
}
