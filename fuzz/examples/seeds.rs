//! Writes the honest inputs the corpora started from (`seeds()` in
//! `crates/core/tests/fuzz_regressions.rs`) into `fuzz/corpus/<target>/`, and with
//! `--regressions` into `crates/core/tests/fuzz-regressions/<target>/` as well:
//! `cargo run --manifest-path fuzz/Cargo.toml --example seeds [-- --regressions]`.

#[path = "../../crates/core/tests/fuzz_regressions.rs"]
#[allow(dead_code)]
mod checks;

use std::path::Path;

fn main() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![fuzz.join("corpus")];
    if std::env::args().any(|a| a == "--regressions") {
        dirs.push(fuzz.join("../crates/core/tests/fuzz-regressions"));
    }
    for (target, name, bytes) in checks::seeds() {
        for dir in &dirs {
            let dir = dir.join(target);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(&name), &bytes).unwrap();
        }
        println!("{target}/{name}: {} bytes", bytes.len());
    }
}
