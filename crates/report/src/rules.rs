//! `vhdlint rules`: the rule registry as a table for people.

use std::fmt::Write as _;

use vhdlint_policy::{Level, RuleMeta};

fn level(l: Level) -> &'static str {
    match l {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Info => "info",
        Level::Allowed => "allowed",
    }
}

/// The rules as a text table: id, name, level per profile, Graph error code, title.
pub fn rules_text(metas: &[&RuleMeta]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<7} {:<34} {:<8} {:<8} {:<8} {:<37} title",
        "id", "name", "w365", "devbox", "avd", "errorCode"
    );
    for m in metas {
        let _ = writeln!(
            out,
            "{:<7} {:<34} {:<8} {:<8} {:<8} {:<37} {}",
            m.id,
            m.name,
            level(m.levels.windows365),
            level(m.levels.devbox),
            level(m.levels.avd),
            m.graph_code
                .map(|c| c.to_string())
                .unwrap_or_else(|| "-".into()),
            m.title
        );
    }
    out
}
