//! Profiles shipped inside the binary, usable by name (`runtime-default`, `fine-grained`, …).

use super::Document;

/// (name, file name, contents): the files in `profiles/`.
pub const BUNDLED: &[(&str, &str, &str)] = &[
    ("runtime-default", "runtime-default.json", include_str!("../../profiles/runtime-default.json")),
    ("audit", "audit.json", include_str!("../../profiles/audit.json")),
    ("violation", "violation.json", include_str!("../../profiles/violation.json")),
    ("fine-grained", "fine-grained.json", include_str!("../../profiles/fine-grained.json")),
    ("static-server", "static-server.json", include_str!("../../profiles/static-server.json")),
    ("batch-job", "batch-job.json", include_str!("../../profiles/batch-job.json")),
];

/// A bundled profile by name (with or without `.json`), as an unsaved document.
pub fn open(name: &str) -> Option<Document> {
    let name = name.strip_suffix(".json").unwrap_or(name);
    let (_, file, text) = BUNDLED.iter().find(|(n, _, _)| *n == name)?;
    Document::parse(text, &format!("(built-in) {file}")).ok()
}

/// Names of the bundled profiles.
pub fn names() -> impl Iterator<Item = &'static str> {
    BUNDLED.iter().map(|(n, _, _)| *n)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_bundled_profile_loads_without_errors() {
        for name in super::names() {
            let doc = super::open(name).unwrap_or_else(|| panic!("{name} does not parse"));
            assert!(!doc.has_errors(), "{name}: {:?}", doc.findings);
        }
    }
}
