//! Any bytes as a kernel log, read line by line as `import-audit` does; then the profile.
#![no_main]

use libfuzzer_sys::fuzz_target;
use seccompose::profile::audit_import::{Filter, Import, KEPT};

fuzz_target!(|data: &[u8]| {
    let mut import = Import::new(Filter::default());
    import.add_text("fuzz.log", &String::from_utf8_lossy(data));
    assert!(import.problems.len() <= KEPT);
    let _ = import.profile(seccompose::catalog::Arch::X86_64, seccompose::profile::generate::Dialect::Oci);
});
