#![no_main]

// The property lives beside its regression test, which replays the corpus and every crash.
#[path = "../../crates/core/tests/fuzz_regressions.rs"]
#[allow(dead_code)]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::cbor(data));
