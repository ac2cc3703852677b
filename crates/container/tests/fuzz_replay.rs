//! Replays every committed fuzz input and crash reproducer through the same entry points the
//! fuzz targets use (`fuzz/corpus/<target>/`, `fuzz/regressions/<target>/`): a plain `cargo test`
//! proves none of them panics any more.

use vhdlint_container::fuzzing::{exercise, Entry};

#[test]
fn committed_fuzz_inputs_do_not_panic() {
    let fuzz = vhdlint_testkit::workspace_root().join("fuzz");
    let mut replayed = 0;
    for (target, entry) in [
        ("container", Entry::Detect),
        ("vhd", Entry::Vhd),
        ("vhdx", Entry::Vhdx),
    ] {
        for dir in ["corpus", "regressions"] {
            let Ok(files) = std::fs::read_dir(fuzz.join(dir).join(target)) else {
                continue;
            };
            for f in files {
                let path = f.unwrap().path();
                if path.is_file() && path.extension().is_none_or(|e| e != "md") {
                    exercise(entry, &std::fs::read(&path).unwrap());
                    replayed += 1;
                }
            }
        }
    }
    println!("replayed {replayed} committed fuzz inputs");
}
