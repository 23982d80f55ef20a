//! Figures about a program: size, instructions executed per syscall, kernel cache coverage.

use super::emulator::{SeccompData, run};
use super::insn::Insn;
use crate::catalog::{Arch, table};
use crate::profile::Action;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    pub instructions: usize,
    /// Over every syscall known on the arch, all arguments 0.
    pub mean_executed: f64,
    pub max_executed: u32,
    /// Syscalls (0..=highest known number) the kernel's action cache will hold: allowed
    /// without the filter reading any argument.
    pub cached: usize,
}

/// Figures for calls with `arch`'s ABI (x32 numbers carry the x32 bit).
pub fn stats(program: &[Insn], little_endian: bool, arch: Arch) -> Stats {
    let mut steps: Vec<u32> = Vec::new();
    let mut cached = 0;
    if let Some(t) = table(arch) {
        for (nr, _) in t.iter() {
            if let Ok(r) = run(program, &SeccompData::new(arch.audit_value(), nr, [0; 6]), little_endian) {
                steps.push(r.steps);
            }
        }
        let highest = t.iter().map(|(nr, _)| nr).max().unwrap_or(0);
        let lowest = if arch == Arch::X32 { crate::catalog::X32_SYSCALL_BIT } else { 0 };
        for nr in lowest..=highest {
            if cacheable(program, little_endian, arch.audit_value(), nr) {
                cached += 1;
            }
        }
    }
    let mean =
        if steps.is_empty() { 0.0 } else { steps.iter().map(|&s| f64::from(s)).sum::<f64>() / steps.len() as f64 };
    Stats {
        instructions: program.len(),
        mean_executed: mean,
        max_executed: steps.into_iter().max().unwrap_or(0),
        cached,
    }
}

/// Whether the kernel can cache "allow" for this (arch, nr): the program allows it on every
/// path that reads nothing but the number and arch. Checked on two argument vectors; a
/// program that reads an argument for this number is not cacheable at all.
pub fn cacheable(program: &[Insn], little_endian: bool, audit: u32, nr: u32) -> bool {
    [[0u64; 6], [u64::MAX; 6]].iter().all(|args| {
        run(program, &SeccompData::new(audit, nr, *args), little_endian)
            .is_ok_and(|r| !r.read_args && r.ret == Action::Allow.ret_value())
    })
}

/// The most instructions `program` executes over the given calls (`(nr, args)` with `audit`'s
/// ABI): the worst case over argument values a profile names, beside `stats`' all-zero one.
pub fn max_executed_on(program: &[Insn], little_endian: bool, audit: u32, calls: &[(u32, [u64; 6])]) -> u32 {
    calls
        .iter()
        .filter_map(|(nr, args)| run(program, &SeccompData::new(audit, *nr, *args), little_endian).ok())
        .map(|r| r.steps)
        .max()
        .unwrap_or(0)
}
