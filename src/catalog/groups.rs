//! systemd's `SystemCallFilter=` groups (`@mount`, `@system-service`, …), expanded.

use std::collections::BTreeSet;
use std::sync::OnceLock;

/// A group with its members fully expanded (nested `@group` references resolved).
#[derive(Debug)]
pub struct Group {
    pub name: &'static str,
    pub description: &'static str,
    /// Sorted, deduplicated syscall names.
    pub members: Vec<&'static str>,
}

impl Group {
    pub fn contains(&self, syscall: &str) -> bool {
        self.members.binary_search(&syscall).is_ok()
    }
}

/// Every group, in systemd's order, ending with `@known` (every syscall in the catalog).
pub fn groups() -> &'static [Group] {
    static GROUPS: OnceLock<Vec<Group>> = OnceLock::new();
    GROUPS.get_or_init(build)
}

/// A group by name, with or without the leading `@`.
pub fn group(name: &str) -> Option<&'static Group> {
    let name = name.strip_prefix('@').unwrap_or(name);
    groups().iter().find(|g| &g.name[1..] == name)
}

/// The groups a syscall belongs to (without `@known`).
pub fn groups_of(syscall: &str) -> Vec<&'static Group> {
    groups().iter().filter(|g| g.name != "@known" && g.contains(syscall)).collect()
}

type RawGroup = (&'static str, &'static str, Vec<&'static str>);

fn build() -> Vec<Group> {
    let raw: Vec<RawGroup> = include_str!("data/groups.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|line| {
            let mut cols = line.splitn(3, '\t');
            Some((cols.next()?, cols.next()?, cols.next()?.split(' ').collect()))
        })
        .collect();
    let mut out: Vec<Group> = raw
        .iter()
        .map(|(name, description, _)| {
            let mut members = BTreeSet::new();
            expand(name, &raw, &mut members, 0);
            Group { name, description, members: members.into_iter().collect() }
        })
        .collect();
    let known = super::all().iter().map(|e| e.name).collect();
    out.push(Group { name: "@known", description: "All known system calls", members: known });
    out
}

fn expand(name: &str, raw: &[RawGroup], into: &mut BTreeSet<&'static str>, depth: usize) {
    let Some((_, _, members)) = raw.iter().find(|(n, _, _)| *n == name) else { return };
    for m in members {
        if m.starts_with('@') {
            if depth < 8 {
                expand(m, raw, into, depth + 1);
            }
        } else {
            into.insert(m);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_groups_expand() {
        let service = group("@system-service").unwrap();
        assert!(service.contains("read"), "@basic-io is inside @system-service");
        assert!(service.contains("execve"), "@default is inside @system-service");
        assert!(group("@default").unwrap().contains("seccomp"), "@sandbox is inside @default");
        assert!(group("mount").unwrap().contains("pivot_root"));
        assert_eq!(groups().len(), 30);
    }

    #[test]
    fn a_syscall_lists_its_groups() {
        let names: Vec<&str> = groups_of("close").iter().map(|g| g.name).collect();
        assert!(names.contains(&"@basic-io") && names.contains(&"@file-system"), "{names:?}");
        assert!(group("@known").unwrap().contains("openat"));
    }
}
