//! Any bytes as a JSON profile: load, lint, render back unchanged, compile when usable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        seccompose_fuzz_common::load_everything(text, "fuzz.json");
    }
});

#[path = "common.rs"]
mod seccompose_fuzz_common;
