//! Synthetic profiles for scaling tests and benchmarks: the argument-heavy family of issue 18.
//!
//! `arg_heavy(rules, arches, seed)` gives a Docker-format profile with `rules` rules: 30%
//! unconditional allows, 70% rules with 1–3 conditions on distinct argument indexes using
//! every operator, with 32- and 64-bit values. Each syscall has one action, so the profile
//! never has the conflicting overlaps libseccomp refuses; once there are more rules than
//! syscalls, syscalls collect many conditional rules each. Deterministic for a seed.

use crate::catalog::{self, Arch};
use serde_json::{Value, json};

/// xorshift64*: a few lines, deterministic, well enough spread for test inputs (the generated
/// profiles, and the random edits of the property tests). A crate such as `rand` would add a
/// dependency to the library for nothing more than this.
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> XorShift {
        // The state must never be 0; mixing the seed also spreads nearby seeds apart.
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// An index below `n` (0 when `n` is 0).
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const OPS: [&str; 7] =
    ["SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_GT", "SCMP_CMP_GE", "SCMP_CMP_MASKED_EQ"];

/// The actions a conditional syscall may get (never the default, which runc would skip).
const ACTIONS: [(&str, Option<u64>); 6] = [
    ("SCMP_ACT_ALLOW", None),
    ("SCMP_ACT_ALLOW", None),
    ("SCMP_ACT_ERRNO", Some(13)),
    ("SCMP_ACT_ERRNO", Some(38)),
    ("SCMP_ACT_LOG", None),
    ("SCMP_ACT_TRAP", None),
];

/// The syscalls of the first arch, in table order, without the socket and IPC multiplexers
/// (a conditional rule of ours on `socketcall` could meet another action's subcall rule there).
fn pool(arch: Arch) -> Vec<&'static str> {
    let Some(table) = catalog::table(arch) else { return Vec::new() };
    let mut names: Vec<&'static str> =
        table.iter().map(|(_, n)| n).filter(|n| !matches!(*n, "socketcall" | "ipc")).collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// A 32-bit or a 64-bit value, with small numbers (the common case in real profiles) often.
fn value(rng: &mut XorShift) -> u64 {
    match rng.below(4) {
        0 => rng.below(64),
        1 => rng.next() & 0xffff_ffff,
        2 => rng.next(),
        _ => (rng.below(4) << 32) | rng.below(4096),
    }
}

fn condition(rng: &mut XorShift, index: u64) -> Value {
    let op = *rng.pick(&OPS);
    if op == "SCMP_CMP_MASKED_EQ" {
        let mask = value(rng) | 1;
        let datum = value(rng) & mask;
        return json!({"index": index, "value": mask, "valueTwo": datum, "op": op});
    }
    json!({"index": index, "value": value(rng), "op": op})
}

/// 1–3 conditions on distinct argument indexes, in a random order.
fn conditions(rng: &mut XorShift) -> Vec<Value> {
    let mut indexes: Vec<u64> = (0..6).collect();
    let count = 1 + rng.below(3) as usize;
    (0..count)
        .map(|i| {
            let j = i + rng.below((indexes.len() - i) as u64) as usize;
            indexes.swap(i, j);
            condition(rng, indexes[i])
        })
        .collect()
}

/// The argument-heavy profile: `rules` rules over the syscalls of `arches[0]`, filtered on
/// all of `arches`. Default action ERRNO(EPERM).
pub fn arg_heavy(rules: usize, arches: &[Arch], seed: u64) -> Value {
    let mut rng = XorShift::new(seed);
    let mut names = pool(arches.first().copied().unwrap_or(Arch::X86_64));
    // Shuffle, then give 30% of the syscalls the unconditional allows and the rest the
    // conditional rules, each such syscall with one action.
    for i in (1..names.len()).rev() {
        names.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let split = names.len() * 3 / 10;
    let (plain, conditional) = names.split_at(split);
    let actions: Vec<(&str, Option<u64>)> = conditional.iter().map(|_| *rng.pick(&ACTIONS)).collect();
    let mut out = Vec::with_capacity(rules);
    for _ in 0..rules {
        if rng.below(10) < 3 {
            out.push(json!({"names": [rng.pick(plain)], "action": "SCMP_ACT_ALLOW"}));
            continue;
        }
        let i = rng.below(conditional.len() as u64) as usize;
        let (action, errno) = actions[i];
        let mut rule = json!({"names": [conditional[i]], "action": action, "args": conditions(&mut rng)});
        if let Some(e) = errno {
            rule["errnoRet"] = json!(e);
        }
        out.push(rule);
    }
    let arch_names: Vec<&str> = arches.iter().map(|a| a.scmp_name()).collect();
    json!({
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "architectures": arch_names,
        "syscalls": out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conditions_of(p: &Value) -> Vec<&Value> {
        p["syscalls"].as_array().unwrap().iter().filter_map(|r| r.get("args")).collect()
    }

    #[test]
    fn same_seed_same_profile_other_seed_other_profile() {
        let a = arg_heavy(200, &[Arch::X86_64], 7);
        assert_eq!(a, arg_heavy(200, &[Arch::X86_64], 7));
        assert_ne!(a, arg_heavy(200, &[Arch::X86_64], 8));
    }

    #[test]
    fn shape_is_the_issue_family() {
        let p = arg_heavy(2000, &[Arch::X86_64, Arch::X86, Arch::Aarch64], 1);
        let rules = p["syscalls"].as_array().unwrap();
        assert_eq!(rules.len(), 2000);
        let conditional = conditions_of(&p);
        let share = conditional.len() as f64 / 2000.0;
        assert!((0.65..0.75).contains(&share), "about 70% conditional, got {share}");
        let mut ops = std::collections::BTreeSet::new();
        let mut wide = false;
        for args in conditional {
            let args = args.as_array().unwrap();
            assert!((1..=3).contains(&args.len()));
            let mut idx: Vec<u64> = args.iter().map(|c| c["index"].as_u64().unwrap()).collect();
            idx.sort_unstable();
            idx.dedup();
            assert_eq!(idx.len(), args.len(), "distinct argument indexes");
            for c in args {
                ops.insert(c["op"].as_str().unwrap().to_string());
                wide |= c["value"].as_u64().unwrap() > u64::from(u32::MAX);
            }
        }
        assert_eq!(ops.len(), 7, "every operator: {ops:?}");
        assert!(wide, "some 64-bit values");
        let mut action_of = std::collections::BTreeMap::new();
        for r in rules {
            let key = (r["action"].clone(), r.get("errnoRet").cloned());
            let name = r["names"][0].as_str().unwrap();
            assert_eq!(action_of.entry(name).or_insert(key.clone()), &key, "one action per syscall ({name})");
        }
        assert!(action_of.len() < 2000 / 4, "many rules per syscall");
    }
}
