//! Release versions (`1.1.5`, `2.5.4`) of the runtimes and libseccomp: parsed loosely, ordered.

use std::fmt;

/// `major.minor.patch`; a missing part is 0. Suffixes (`+ds1`, `-rc1`) are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Version {
        Version { major, minor, patch }
    }

    /// Parses `1.1.5`, `v1.2`, `1.1.5+ds1`, `2.5.4-1+deb12u1`.
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.trim();
        let text = text.strip_prefix('v').unwrap_or(text);
        let core = text.split(['+', '-', '~', ' ']).next()?;
        let mut parts = core.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = match parts.next() {
            Some(p) => p.parse().ok()?,
            None => 0,
        };
        let patch = match parts.next() {
            Some(p) => p.parse().ok()?,
            None => 0,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(Version { major, minor, patch })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_release_strings_and_orders_them() {
        assert_eq!(Version::parse("1.1.5+ds1"), Some(Version::new(1, 1, 5)));
        assert_eq!(Version::parse("v1.2"), Some(Version::new(1, 2, 0)));
        assert_eq!(Version::parse("2.5.4-1+deb12u1"), Some(Version::new(2, 5, 4)));
        assert_eq!(Version::parse("1.1.5.3"), None);
        assert_eq!(Version::parse("x"), None);
        assert!(Version::new(1, 1, 15) > Version::new(1, 1, 5));
        assert!(Version::new(1, 2, 0) > Version::new(1, 1, 15));
    }
}
