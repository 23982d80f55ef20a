//! Any text as Kubernetes manifests.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = seccompose::kube::manifest::read_manifest(text, "fuzz.yaml");
    }
});
