//! The README's rule table is the generated one (`vhdlint rules --format markdown`).

use vhdlint_report::rules as listing;

/// The README's rule table is `vhdlint rules --format markdown`.
#[test]
fn readme_rule_table_is_the_generated_one() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let Some(table) = listing::readme_table(&readme) else {
        panic!(
            "README.md has no rule table between {:?} and {:?}",
            listing::README_BEGIN,
            listing::README_END
        );
    };
    let generated = listing::markdown();
    assert!(
        table == generated,
        "README.md's rule table differs from `vhdlint rules --format markdown`:\n{}\n\
         replace the lines between the rules:begin and rules:end markers with that output",
        vhdlint_testkit::line_diff(table, &generated)
    );
}
