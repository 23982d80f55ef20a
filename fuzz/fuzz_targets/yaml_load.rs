//! Any text as a YAML profile (SPO `SeccompProfile` or bare): load, lint, compile when usable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        // A JSON-looking text would go to the JSON reader: start it as YAML.
        seccompose_fuzz_common::load_everything(&format!("kind: SeccompProfile\n{text}"), "fuzz.yaml");
        seccompose_fuzz_common::load_everything(text, "fuzz.yaml");
    }
});

#[path = "common.rs"]
mod seccompose_fuzz_common;
