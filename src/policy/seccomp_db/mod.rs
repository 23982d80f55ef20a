//! A model of the filter libseccomp 2.5 builds: per-architecture syscall tables of rules,
//! merged the way `db.c` merges them, and evaluated the way `gen_bpf.c`'s program runs.
//!
//! Facts this encodes (libseccomp v2.5.4, `db.c`, `arch.c`, `syscalls.c`, `gen_bpf.c`):
//! - the first unconditional rule for a syscall wins; an unconditional rule added after
//!   conditional ones replaces them; conditional rules merge into one comparison tree;
//! - argument conditions are chained in argument-index order; 64-bit arches compare the high
//!   and low words, 32-bit arches only the low word; MASKED_EQ masks the datum too;
//! - on x86, mips o32, ppc and s390 socket and SysV IPC syscalls also get a rule on the `socketcall` /
//!   `ipc` multiplexer with `arg0 == subcall` (the rule's own arg0 condition is replaced);
//! - a syscall unknown on an arch is skipped for that arch;
//! - calls from an arch not in the filter, and x32 calls on x86_64 without x32, get the
//!   bad-arch action (KILL_THREAD, as runc leaves it).

pub mod tree;

use crate::catalog::{self, Arch, Libseccomp, X32_SYSCALL_BIT};
use crate::profile::{Action, ArgCondition, Op};
use std::collections::BTreeMap;
use std::sync::Arc;
use tree::{Cmp, Conflict, Halt, IST_M_REDUNDANT, Id, IterState, OPS_LIMIT, Slot, Tree};

/// One argument condition as libseccomp stores it (`mask` is all ones except for MASKED_EQ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cond {
    pub arg: u32,
    pub op: Op,
    pub mask: u64,
    pub datum: u64,
}

impl Cond {
    pub fn from_condition(c: &ArgCondition) -> Cond {
        match c.op {
            Op::MaskedEq => Cond { arg: c.index, op: c.op, mask: c.value, datum: c.value_two },
            op => Cond { arg: c.index, op, mask: u64::MAX, datum: c.value },
        }
    }
}

/// The rules of one syscall on one arch: unconditional (`tree.root == None`) or a tree.
#[derive(Debug, Clone)]
pub struct Entry {
    pub action: u32,
    /// Shared between the evaluators built from one another (the engines' start from the
    /// editor's, an edit's from the one before), copied only when a rule changes it.
    pub tree: Arc<Tree>,
}

/// The rule database of one architecture.
#[derive(Debug, Clone)]
pub struct ArchDb {
    pub arch: Arch,
    pub syscalls: BTreeMap<u32, Entry>,
}

/// A whole filter: default action, architectures (native first) and their databases.
#[derive(Debug, Clone)]
pub struct SeccompDb {
    pub default_action: Action,
    pub bad_arch_action: Action,
    pub dbs: Vec<ArchDb>,
    /// The libseccomp whose syscall tables resolve names: a name it has no number for on an
    /// arch is skipped there.
    names: &'static Libseccomp,
}

/// Why libseccomp refused a rule (the runtime then refuses the whole profile), or why its
/// merge cannot be followed to the end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddError {
    #[error("libseccomp refuses it: two conditions on argument {0} in one rule")]
    DuplicateArg(u32),
    #[error(
        "libseccomp refuses it: it conflicts with an earlier rule for {name} on {arch}: the same comparison ends in different actions"
    )]
    Conflict { name: String, arch: Arch },
    #[error(
        "libseccomp never finishes adding it: merging it into the earlier conditional rules for {name} on {arch} turns a level of libseccomp's comparison tree into a ring, so the runtime hangs at container start"
    )]
    Loops { name: String, arch: Arch },
    #[error(
        "the rules for {name} on {arch} are too complex to model (more than {OPS_LIMIT} tree operations for this rule)"
    )]
    TooComplex { name: String, arch: Arch },
}

/// Why one rule could not be added to one arch's database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    Conflict,
    Halt(Halt),
}

impl From<Conflict> for Refusal {
    fn from(_: Conflict) -> Refusal {
        Refusal::Conflict
    }
}

/// Where a decision came from, for explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// No rule for the syscall on this arch.
    Default,
    /// An unconditional rule.
    Unconditional,
    /// The comparison tree ended in an action.
    Conditions,
    /// The tree's comparisons fell through to the default action.
    ConditionsFellThrough,
    /// The call's architecture is not in the filter.
    BadArch,
}

/// Socket syscalls multiplexed through `socketcall` (subcall numbers from `linux/net.h`).
const SOCKET_CALLS: [&str; 20] = [
    "socket",
    "bind",
    "connect",
    "listen",
    "accept",
    "getsockname",
    "getpeername",
    "socketpair",
    "send",
    "recv",
    "sendto",
    "recvfrom",
    "shutdown",
    "setsockopt",
    "getsockopt",
    "sendmsg",
    "recvmsg",
    "accept4",
    "recvmmsg",
    "sendmmsg",
];

/// SysV IPC syscalls multiplexed through `ipc` (call numbers from `linux/ipc.h`).
const IPC_CALLS: [(&str, u64); 12] = [
    ("semop", 1),
    ("semget", 2),
    ("semctl", 3),
    ("semtimedop", 4),
    ("msgsnd", 11),
    ("msgrcv", 12),
    ("msgget", 13),
    ("msgctl", 14),
    ("shmat", 21),
    ("shmdt", 22),
    ("shmget", 23),
    ("shmctl", 24),
];

/// Whether a rule for `name` becomes a conditional multiplexer rule on some arch of the filter.
fn multiplexes_anywhere(dbs: &[ArchDb], name: &str) -> bool {
    multiplexed_call(name).is_some() && dbs.iter().any(|d| multiplexes(d.arch))
}

/// Arches whose libseccomp definition multiplexes socket and IPC calls (`abi_rule_add`).
pub fn multiplexes(arch: Arch) -> bool {
    matches!(
        arch,
        Arch::X86 | Arch::Mips | Arch::Mipsel | Arch::Ppc | Arch::Ppc64 | Arch::Ppc64le | Arch::S390 | Arch::S390x
    )
}

/// The multiplexer and subcall for a socket or IPC syscall name, if it is one.
pub fn multiplexed_call(name: &str) -> Option<(&'static str, u64)> {
    if let Some(i) = SOCKET_CALLS.iter().position(|n| *n == name) {
        return Some(("socketcall", i as u64 + 1));
    }
    IPC_CALLS.iter().find(|(n, _)| *n == name).map(|(_, sub)| ("ipc", *sub))
}

impl SeccompDb {
    /// An empty filter with the native arch first, then the others (duplicates dropped),
    /// resolving names as the newest libseccomp does.
    pub fn new(default_action: Action, arches: &[Arch]) -> SeccompDb {
        SeccompDb::with_libseccomp(default_action, arches, Libseccomp::latest())
    }

    /// As [`SeccompDb::new`], resolving names as `names` (a libseccomp release or the host's).
    pub fn with_libseccomp(default_action: Action, arches: &[Arch], names: &'static Libseccomp) -> SeccompDb {
        let mut dbs: Vec<ArchDb> = Vec::new();
        for &arch in arches {
            if !dbs.iter().any(|d| d.arch == arch) {
                dbs.push(ArchDb { arch, syscalls: BTreeMap::new() });
            }
        }
        SeccompDb { default_action, bad_arch_action: Action::KillThread, dbs, names }
    }

    pub fn arches(&self) -> impl Iterator<Item = Arch> + '_ {
        self.dbs.iter().map(|d| d.arch)
    }

    /// One filter per arch, each with that arch's entries: a rule added to every arch changes
    /// each arch's entries only (refused anywhere, the whole build stops), so the parts can
    /// be built apart and [`SeccompDb::joined`] again.
    pub fn split(self) -> Vec<SeccompDb> {
        let SeccompDb { default_action, bad_arch_action, dbs, names } = self;
        dbs.into_iter().map(|db| SeccompDb { default_action, bad_arch_action, dbs: vec![db], names }).collect()
    }

    /// The parts of [`SeccompDb::split`] as one filter again, arches in the parts' order.
    pub fn joined(parts: Vec<SeccompDb>) -> Option<SeccompDb> {
        let mut parts = parts.into_iter();
        let mut whole = parts.next()?;
        for part in parts {
            whole.dbs.extend(part.dbs);
        }
        Some(whole)
    }

    /// `seccomp_rule_add` for a syscall name on every arch of the filter. All or nothing: on
    /// error no arch keeps the rule (libseccomp's transaction).
    pub fn add_rule(&mut self, name: &str, action: Action, conds: &[Cond]) -> Result<(), AddError> {
        let mut chain: [Option<Cond>; 6] = [None; 6];
        for c in conds {
            let slot = &mut chain[c.arg as usize];
            if slot.is_some() {
                return Err(AddError::DuplicateArg(c.arg));
            }
            *slot = Some(*c);
        }
        if conds.is_empty() && !multiplexes_anywhere(&self.dbs, name) {
            // An unconditional rule cannot conflict: no rollback copy needed.
            for i in 0..self.dbs.len() {
                let _ = self.add_to_arch(i, name, action, &chain);
            }
            return Ok(());
        }
        // Only the entries of this syscall (and its multiplexer) can change: journal those to
        // roll back, as libseccomp's transaction does.
        let numbers: Vec<(usize, u32)> =
            (0..self.dbs.len()).flat_map(|i| self.numbers_for(i, name).into_iter().map(move |nr| (i, nr))).collect();
        let touched: Vec<(usize, u32, Option<u32>)> = numbers
            .into_iter()
            .map(|(i, nr)| {
                let before = self.dbs[i].syscalls.get_mut(&nr).map(|e| {
                    Arc::make_mut(&mut e.tree).begin();
                    e.action
                });
                (i, nr, before)
            })
            .collect();
        let mut result = Ok(());
        for i in 0..self.dbs.len() {
            let arch = self.dbs[i].arch;
            if let Err(refusal) = self.add_to_arch(i, name, action, &chain) {
                let name = name.to_string();
                result = Err(match refusal {
                    Refusal::Conflict => AddError::Conflict { name, arch },
                    Refusal::Halt(Halt::Loops) => AddError::Loops { name, arch },
                    Refusal::Halt(Halt::TooComplex) => AddError::TooComplex { name, arch },
                });
                break;
            }
        }
        for (db, nr, before) in touched {
            match (before, &result) {
                (Some(action), Err(_)) => {
                    let entry = self.dbs[db].syscalls.get_mut(&nr).expect("entries are never removed by a rule");
                    Arc::make_mut(&mut entry.tree).rollback();
                    entry.action = action;
                }
                (Some(_), Ok(())) => {
                    if let Some(entry) = self.dbs[db].syscalls.get_mut(&nr) {
                        Arc::make_mut(&mut entry.tree).commit();
                    }
                }
                (None, Err(_)) => {
                    self.dbs[db].syscalls.remove(&nr);
                }
                (None, Ok(())) => {}
            }
        }
        result
    }

    /// Forgets the rules of syscall `nr` in database `db` (before [`SeccompDb::add_rule_at`]
    /// replays them).
    pub fn clear_entry(&mut self, db: usize, nr: u32) {
        self.dbs[db].syscalls.remove(&nr);
    }

    /// What [`SeccompDb::add_rule`] does to the entry of syscall `nr` in database `db` alone,
    /// leaving every other entry as it is. Entries are independent (a rule for `name` changes
    /// only the entries of its numbers), so replaying, in order, the rules that touch one entry
    /// rebuilds it exactly as a full build does. An error means the full build refuses a rule
    /// somewhere (which one is the full build's to say).
    pub fn add_rule_at(
        &mut self,
        db: usize,
        nr: u32,
        name: &str,
        action: Action,
        conds: &[Cond],
    ) -> Result<(), AddError> {
        let mut chain: [Option<Cond>; 6] = [None; 6];
        for c in conds {
            let slot = &mut chain[c.arg as usize];
            if slot.is_some() {
                return Err(AddError::DuplicateArg(c.arg));
            }
            *slot = Some(*c);
        }
        let arch = self.dbs[db].arch;
        let Some(table) = catalog::table(arch) else { return Ok(()) };
        let mut adds: Vec<[Option<Cond>; 6]> = Vec::new();
        match multiplexed_call(name).filter(|_| multiplexes(arch)) {
            Some((mux, sub)) => {
                if table.number(mux) == Some(nr) {
                    let mut muxed = chain;
                    muxed[0] = Some(Cond { arg: 0, op: Op::Eq, mask: u64::MAX, datum: sub });
                    adds.push(muxed);
                }
                if table.number(name) == Some(nr) {
                    adds.push(chain);
                }
            }
            None if self.direct_number(arch, name) == Some(nr) => adds.push(chain),
            None => {}
        }
        // `add_rule` ignores what an unconditional rule's merge says.
        let checked = !conds.is_empty() || multiplexes_anywhere(&self.dbs, name);
        for chain in adds {
            let added = self.dbs[db].add(nr, action.ret_value(), &chain);
            if let (Err(refusal), true) = (added, checked) {
                let name = name.to_string();
                return Err(match refusal {
                    Refusal::Conflict => AddError::Conflict { name, arch },
                    Refusal::Halt(Halt::Loops) => AddError::Loops { name, arch },
                    Refusal::Halt(Halt::TooComplex) => AddError::TooComplex { name, arch },
                });
            }
        }
        Ok(())
    }

    /// The syscall numbers a rule for `name` touches in database `db`.
    pub fn numbers_for(&self, db: usize, name: &str) -> Vec<u32> {
        let arch = self.dbs[db].arch;
        let Some(table) = catalog::table(arch) else { return Vec::new() };
        let muxed = multiplexed_call(name).filter(|_| multiplexes(arch));
        let mux = muxed.and_then(|(mux, _)| table.number(mux));
        let direct = if muxed.is_some() { table.number(name) } else { self.direct_number(arch, name) };
        mux.into_iter().chain(direct).collect()
    }

    /// The number of a syscall that is not multiplexed on `arch`: the kernel's, if this
    /// libseccomp knows the name there (an older release skips newer syscalls).
    fn direct_number(&self, arch: Arch, name: &str) -> Option<u32> {
        let nr = catalog::number(arch, name)?;
        self.names.number(arch, name).is_some().then_some(nr)
    }

    fn add_to_arch(&mut self, db: usize, name: &str, action: Action, chain: &[Option<Cond>; 6]) -> Result<(), Refusal> {
        let arch = self.dbs[db].arch;
        let Some(table) = catalog::table(arch) else { return Ok(()) };
        if multiplexes(arch) {
            if let Some((mux, sub)) = multiplexed_call(name) {
                if let Some(mux_nr) = table.number(mux) {
                    let mut muxed = *chain;
                    muxed[0] = Some(Cond { arg: 0, op: Op::Eq, mask: u64::MAX, datum: sub });
                    self.dbs[db].add(mux_nr, action.ret_value(), &muxed)?;
                }
                if let Some(direct) = table.number(name) {
                    self.dbs[db].add(direct, action.ret_value(), chain)?;
                }
                return Ok(());
            }
        }
        match self.direct_number(arch, name) {
            Some(nr) => self.dbs[db].add(nr, action.ret_value(), chain),
            None => Ok(()),
        }
    }

    /// What the filter returns for a call. `arch` is the call's ABI; for x32 the number may be
    /// given with or without the x32 bit.
    pub fn decide(&self, arch: Arch, nr: u32, args: &[u64; 6]) -> (Action, Path) {
        let nr = if arch == Arch::X32 { nr | X32_SYSCALL_BIT } else { nr };
        match self.lookup(arch.audit_value(), nr) {
            Lookup::BadArch => (self.bad_arch_action, Path::BadArch),
            Lookup::Default => (self.default_action, Path::Default),
            Lookup::Unconditional(action) => (action, Path::Unconditional),
            Lookup::Tree(db, entry) => {
                match walk(&entry.tree, entry.tree.root.expect("a tree"), args, db.arch.is_64bit()) {
                    Some(ret) => (Action::from_ret_value(ret).unwrap_or(self.default_action), Path::Conditions),
                    None => (self.default_action, Path::ConditionsFellThrough),
                }
            }
        }
    }

    /// What decides a call, without looking at its arguments. `audit` is `seccomp_data.arch`.
    pub fn lookup(&self, audit: u32, nr: u32) -> Lookup<'_> {
        let has = |a: Arch| self.dbs.iter().find(|d| d.arch == a);
        let db = if audit == Arch::X86_64.audit_value() {
            // libseccomp compares numerically (`jge 0x40000000`), letting -1 through for tracers.
            let upper = nr >= X32_SYSCALL_BIT;
            match (has(Arch::X86_64), has(Arch::X32)) {
                // Both: one block, dispatched on the full number (x32 numbers carry the bit).
                (Some(x86_64), Some(x32)) => {
                    if upper {
                        x32
                    } else {
                        x86_64
                    }
                }
                (Some(x86_64), None) if !upper || nr == u32::MAX => x86_64,
                (None, Some(x32)) if upper => x32,
                _ => return Lookup::BadArch,
            }
        } else {
            match self.dbs.iter().find(|d| d.arch.audit_value() == audit) {
                Some(db) => db,
                None => return Lookup::BadArch,
            }
        };
        match db.syscalls.get(&nr) {
            None => Lookup::Default,
            Some(entry) if entry.tree.root.is_none() => {
                Lookup::Unconditional(Action::from_ret_value(entry.action).unwrap_or(self.default_action))
            }
            Some(entry) => Lookup::Tree(db, entry),
        }
    }
}

/// What a (arch, nr) pair leads to before arguments are looked at.
#[derive(Debug, Clone, Copy)]
pub enum Lookup<'a> {
    BadArch,
    Default,
    Unconditional(Action),
    /// Argument comparisons decide; the tree belongs to this arch's database.
    Tree(&'a ArchDb, &'a Entry),
}

impl ArchDb {
    /// libseccomp's `db_rule_add` for one (translated) syscall number.
    fn add(&mut self, nr: u32, action: u32, chain: &[Option<Cond>; 6]) -> Result<(), Refusal> {
        let is_64 = self.arch.is_64bit();
        let Some(entry) = self.syscalls.get_mut(&nr) else {
            let mut tree = Tree::default();
            let root = generate(&mut tree, is_64, chain, action);
            tree.root = root;
            self.syscalls.insert(nr, Entry { action, tree: Arc::new(tree) });
            return Ok(());
        };
        let tree = Arc::make_mut(&mut entry.tree);
        tree.start_rule();
        let merged = Self::merge(tree, &mut entry.action, action, is_64, chain);
        if merged.is_ok() {
            tree.check_rings();
        }
        match tree.halted() {
            Some(why) => Err(Refusal::Halt(why)),
            None => merged.map_err(Refusal::from),
        }
    }

    /// Merges a rule's chain into an existing tree (the rest of `db_rule_add`). A step that
    /// stops the rule (see [`Halt`]) leaves the tree half merged: the caller rolls it back.
    fn merge(
        tree: &mut Tree,
        entry_action: &mut u32,
        action: u32,
        is_64: bool,
        chain: &[Option<Cond>; 6],
    ) -> Result<(), Conflict> {
        // Generate the new chain into the same arena so nodes can be shared.
        let mut new_root = generate(tree, is_64, chain, action);
        let mut removed_any = false;
        loop {
            match (tree.root, new_root) {
                (None, _) if removed_any => {
                    tree.root = new_root;
                    *entry_action = action;
                    return Ok(());
                }
                (None, _) => {
                    tree.tree_put(&mut new_root);
                    return Ok(());
                }
                (Some(_), None) => {
                    let mut old = tree.root.take();
                    tree.tree_put(&mut old);
                    *entry_action = action;
                    return Ok(());
                }
                (Some(root), Some(new)) => {
                    let mut state = IterState { flags: 0, action };
                    let freed = tree.prune(Some(root), Some(new), &mut state);
                    if tree.halted().is_some() {
                        return Ok(());
                    }
                    if freed > 0 {
                        removed_any = true;
                        if tree.root.is_none() {
                            continue;
                        }
                    } else if state.flags & IST_M_REDUNDANT == IST_M_REDUNDANT {
                        tree.tree_put(&mut new_root);
                        return Ok(());
                    }
                    tree.add(Slot::Root, new)?;
                    tree.tree_put(&mut new_root);
                    return Ok(());
                }
            }
        }
    }
}

/// Runs the comparison tree as the generated program does: a failed branch without a target
/// goes to the next node of its level, and a finished level to the node after the one that
/// led into it. `None` means the program fell through to the default action.
fn walk(tree: &Tree, root: Id, args: &[u64; 6], is_64: bool) -> Option<u32> {
    let mut pending: Vec<Option<Id>> = Vec::new();
    let mut cur = Some(tree.level_start(root));
    loop {
        let Some(id) = cur else {
            cur = pending.pop()?;
            continue;
        };
        let node = tree.node(id);
        let arg = args[node.arg as usize];
        let word = if node.hi && is_64 { (arg >> 32) as u32 } else { arg as u32 };
        let (next, act) = if node.test(word) { (node.nxt_t, node.act_t) } else { (node.nxt_f, node.act_f) };
        if let Some(next) = next {
            pending.push(node.lvl_nxt);
            cur = Some(tree.level_start(next));
        } else if let Some(action) = act {
            return Some(action);
        } else {
            cur = node.lvl_nxt;
        }
    }
}

/// Builds a rule's comparison chain in `tree`'s arena; returns its first node (with the
/// rule's own reference), or `None` for an unconditional rule.
fn generate(tree: &mut Tree, is_64: bool, chain: &[Option<Cond>; 6], action: u32) -> Option<Id> {
    if is_64 { generate_64(tree, chain, action) } else { generate_32(tree, chain, action) }
}

fn needs_lo(c: &Cond) -> bool {
    !(c.op == Op::MaskedEq && c.mask as u32 == 0)
}

fn needs_hi(c: &Cond) -> bool {
    !(c.op == Op::MaskedEq && (c.mask >> 32) as u32 == 0)
}

/// `_db_rule_gen_64`: each condition becomes 2 (EQ, NE, MASKED_EQ) or 3 (ordering ops) nodes
/// over the high and low words.
fn generate_64(tree: &mut Tree, chain: &[Option<Cond>; 6], action: u32) -> Option<Id> {
    let mut first = None;
    let mut prev: Option<([Id; 2], Option<Id>, Op)> = None;
    for c in chain.iter().flatten() {
        if !needs_hi(c) && !needs_lo(c) {
            continue;
        }
        let (hi_m, lo_m) = ((c.mask >> 32) as u32, c.mask as u32);
        let (hi_d, lo_d) = ((c.datum >> 32) as u32, c.datum as u32);
        let (n0, n1, n2) = match c.op {
            Op::Gt | Op::Ge | Op::Le | Op::Lt => {
                let lo_cmp = if matches!(c.op, Op::Gt | Op::Le) { Cmp::Gt } else { Cmp::Ge };
                let n0 = tree.alloc(Tree::new_node(c.arg, true, Cmp::Gt, c.op, hi_m, hi_d, c.datum));
                let n1 = tree.alloc(Tree::new_node(c.arg, true, Cmp::Eq, c.op, hi_m, hi_d, c.datum));
                let n2 = tree.alloc(Tree::new_node(c.arg, false, lo_cmp, c.op, lo_m, lo_d, c.datum));
                let g = tree.get(Some(n1));
                tree_mut(tree, n0).nxt_f = g;
                let g = tree.get(Some(n2));
                tree_mut(tree, n1).nxt_t = g;
                (n0, n1, Some(n2))
            }
            Op::Eq | Op::MaskedEq | Op::Ne => {
                let cmp = if c.op == Op::MaskedEq { Cmp::MaskedEq } else { Cmp::Eq };
                let n0 = tree.alloc(Tree::new_node(c.arg, true, cmp, c.op, hi_m, hi_d, c.datum));
                let n1 = tree.alloc(Tree::new_node(c.arg, false, cmp, c.op, lo_m, lo_d, c.datum));
                let g = tree.get(Some(n1));
                tree_mut(tree, n0).nxt_t = g;
                (n0, n1, None)
            }
        };
        match prev {
            Some(([p0, p1], p2, op_prev)) => link_levels(tree, [p0, p1], p2, op_prev, n0),
            None => first = tree.get(Some(n0)),
        }
        prev = Some(([n0, n1], n2, c.op));
    }
    if let Some(([n0, n1], n2, op)) = prev {
        let set = |tree: &mut Tree, id: Id, on_true: bool| {
            if on_true {
                tree_mut(tree, id).act_t = Some(action);
            } else {
                tree_mut(tree, id).act_f = Some(action);
            }
        };
        match op {
            Op::Gt | Op::Ge => {
                set(tree, n0, true);
                set(tree, n2.expect("ordering ops have 3 nodes"), true);
            }
            Op::Le | Op::Lt => {
                set(tree, n1, false);
                set(tree, n2.expect("ordering ops have 3 nodes"), false);
            }
            Op::Eq | Op::MaskedEq => set(tree, n1, true),
            Op::Ne => {
                set(tree, n0, false);
                set(tree, n1, false);
            }
        }
    }
    first
}

fn tree_mut(tree: &mut Tree, id: Id) -> &mut tree::Node {
    tree.n(id)
}

/// Links the next condition's first node below the accepting branches of the previous one.
fn link_levels(tree: &mut Tree, p: [Id; 2], p2: Option<Id>, op_prev: Op, next: Id) {
    let link = |tree: &mut Tree, id: Id, on_true: bool| {
        let g = tree.get(Some(next));
        if on_true {
            tree_mut(tree, id).nxt_t = g;
        } else {
            tree_mut(tree, id).nxt_f = g;
        }
    };
    match op_prev {
        Op::Gt | Op::Ge => {
            link(tree, p[0], true);
            link(tree, p2.expect("ordering ops have 3 nodes"), true);
        }
        Op::Eq | Op::MaskedEq => link(tree, p[1], true),
        Op::Le | Op::Lt => {
            link(tree, p[1], false);
            link(tree, p2.expect("ordering ops have 3 nodes"), false);
        }
        Op::Ne => {
            link(tree, p[0], false);
            link(tree, p[1], false);
        }
    }
}

/// `_db_rule_gen_32`: one node per condition on the low word; NE, LT and LE become EQ, GE and
/// GT taken on the false branch.
fn generate_32(tree: &mut Tree, chain: &[Option<Cond>; 6], action: u32) -> Option<Id> {
    let mut first = None;
    let mut prev: Option<(Id, bool)> = None;
    for c in chain.iter().flatten() {
        if !needs_lo(c) {
            continue;
        }
        let (cmp, on_true) = match c.op {
            Op::Ne => (Cmp::Eq, false),
            Op::Lt => (Cmp::Ge, false),
            Op::Le => (Cmp::Gt, false),
            Op::Eq => (Cmp::Eq, true),
            Op::Ge => (Cmp::Ge, true),
            Op::Gt => (Cmp::Gt, true),
            Op::MaskedEq => (Cmp::MaskedEq, true),
        };
        let id = tree.alloc(Tree::new_node(c.arg, false, cmp, c.op, c.mask as u32, c.datum as u32, c.datum));
        match prev {
            Some((p, true)) => {
                let g = tree.get(Some(id));
                tree_mut(tree, p).nxt_t = g;
            }
            Some((p, false)) => {
                let g = tree.get(Some(id));
                tree_mut(tree, p).nxt_f = g;
            }
            None => first = tree.get(Some(id)),
        }
        prev = Some((id, on_true));
    }
    if let Some((id, on_true)) = prev {
        if on_true {
            tree_mut(tree, id).act_t = Some(action);
        } else {
            tree_mut(tree, id).act_f = Some(action);
        }
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(arg: u32, v: u64) -> Cond {
        Cond { arg, op: Op::Eq, mask: u64::MAX, datum: v }
    }

    fn db(default: Action) -> SeccompDb {
        SeccompDb::new(default, &[Arch::X86_64, Arch::X86, Arch::X32])
    }

    #[test]
    fn first_unconditional_rule_wins() {
        let mut f = db(Action::Errno(1));
        f.add_rule("clone3", Action::Allow, &[]).unwrap();
        f.add_rule("clone3", Action::Errno(38), &[]).unwrap();
        assert_eq!(f.decide(Arch::X86_64, 435, &[0; 6]).0, Action::Allow);
    }

    #[test]
    fn unconditional_after_conditional_replaces_it() {
        let mut f = db(Action::Errno(1));
        f.add_rule("personality", Action::Allow, &[eq(0, 8)]).unwrap();
        f.add_rule("personality", Action::Log, &[]).unwrap();
        assert_eq!(f.decide(Arch::X86_64, 135, &[8, 0, 0, 0, 0, 0]).0, Action::Log);
    }

    #[test]
    fn conditions_or_across_rules_and_compare_64_bits() {
        let mut f = db(Action::Errno(1));
        f.add_rule("personality", Action::Allow, &[eq(0, 0)]).unwrap();
        f.add_rule("personality", Action::Allow, &[eq(0, 8)]).unwrap();
        f.add_rule("personality", Action::Allow, &[eq(0, 0xffff_ffff)]).unwrap();
        let p = |a0: u64| f.decide(Arch::X86_64, 135, &[a0, 0, 0, 0, 0, 0]).0;
        assert_eq!(p(0), Action::Allow);
        assert_eq!(p(8), Action::Allow);
        assert_eq!(p(1), Action::Errno(1));
        assert_eq!(p(0x1_0000_0008), Action::Errno(1), "64-bit: the high word must match too");
        assert_eq!(f.decide(Arch::X86, 136, &[0x1_0000_0008, 0, 0, 0, 0, 0]).0, Action::Allow, "x86: low word only");
    }

    #[test]
    fn x86_socket_rules_also_cover_socketcall() {
        let mut f = db(Action::Errno(1));
        f.add_rule("socket", Action::Allow, &[]).unwrap();
        assert_eq!(f.decide(Arch::X86, 359, &[0; 6]).0, Action::Allow);
        assert_eq!(f.decide(Arch::X86, 102, &[1, 0, 0, 0, 0, 0]).0, Action::Allow);
        assert_eq!(f.decide(Arch::X86, 102, &[2, 0, 0, 0, 0, 0]).0, Action::Errno(1));
    }

    #[test]
    fn architectures_outside_the_filter_are_killed() {
        let f = SeccompDb::new(Action::Allow, &[Arch::X86_64]);
        assert_eq!(f.decide(Arch::X86, 1, &[0; 6]).1, Path::BadArch);
        assert_eq!(f.decide(Arch::X32, 0, &[0; 6]).0, Action::KillThread);
        assert_eq!(f.decide(Arch::X86_64, u32::MAX, &[0; 6]).0, Action::Allow, "nr -1 is not an x32 call");
        assert_eq!(f.decide(Arch::Aarch64, 1, &[0; 6]).1, Path::BadArch);
    }

    #[test]
    fn same_comparison_with_different_actions_conflicts() {
        let mut f = db(Action::Errno(1));
        f.add_rule("ioctl", Action::Allow, &[eq(1, 5)]).unwrap();
        let err = f.add_rule("ioctl", Action::Log, &[eq(1, 5)]).unwrap_err();
        assert!(matches!(err, AddError::Conflict { .. }));
        assert_eq!(f.decide(Arch::X86_64, 16, &[0, 5, 0, 0, 0, 0]).0, Action::Allow, "rolled back");
    }

    /// xorshift64: deterministic inputs without a dependency.
    fn xorshift(mut state: u64) -> impl FnMut(u64) -> u64 {
        move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        }
    }

    /// `rounds` random rules of 1–3 conditions (every op) over `names`, with `actions`, and
    /// values from `values` (small pools make chains meet, merge and prune each other).
    fn random_rules(
        seed: u64,
        rounds: usize,
        actions: &[Action],
        values: &[u64],
    ) -> Vec<(&'static str, Action, Vec<Cond>)> {
        let ops = [Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge, Op::MaskedEq];
        let names = ["ioctl", "socket", "prctl", "mmap", "futex", "kill"];
        let mut rand = xorshift(seed);
        let mut rules = Vec::new();
        for _ in 0..rounds {
            let name = names[rand(names.len() as u64) as usize];
            let action = actions[rand(actions.len() as u64) as usize];
            // 1–3 conditions: an unconditional rule would replace the tree.
            let first = rand(6) as u32;
            let mut conds = Vec::new();
            for arg in 0..6 {
                if (arg == first || rand(4) == 0) && conds.len() < 3 {
                    let op = ops[rand(7) as usize];
                    let mut value = || values[rand(values.len() as u64) as usize];
                    let (mask, datum) = if op == Op::MaskedEq { (value() | 1, value()) } else { (u64::MAX, value()) };
                    conds.push(Cond { arg, op, mask, datum });
                }
            }
            rules.push((name, action, conds));
        }
        rules
    }

    /// Adds `rules` with the prune memo on and off: every rule must be accepted or refused
    /// alike and the trees must be identical after each. Returns how often the memo answered.
    fn memo_agrees(rules: &[(&str, Action, Vec<Cond>)]) -> u64 {
        let hits_before = tree::MEMO_HITS.with(|h| h.get());
        let mut built = [db(Action::Errno(1)), db(Action::Errno(1))];
        let show = |f: &SeccompDb| format!("{:?}", f.dbs.iter().map(|d| &d.syscalls).collect::<Vec<_>>());
        for (name, action, conds) in rules {
            let results: Vec<_> = [true, false]
                .iter()
                .zip(built.iter_mut())
                .map(|(&memo, f)| {
                    tree::MEMO.with(|m| m.set(memo));
                    f.add_rule(name, *action, conds)
                })
                .collect();
            tree::MEMO.with(|m| m.set(true));
            assert_eq!(results[0], results[1], "{name} {action} {conds:?}");
            assert_eq!(show(&built[0]), show(&built[1]), "after {name} {action} {conds:?}");
        }
        tree::MEMO_HITS.with(|h| h.get()) - hits_before
    }

    /// Many rules per syscall, every op, several actions (some conflict and roll back).
    /// Without the memo, each further rule costs more than all before, hence the short run.
    #[test]
    fn the_prune_memo_changes_no_tree() {
        let wide = [0, 1, 7, 0xffff_ffff, 1 << 32, (2 << 32) | 3, u64::MAX];
        let mixed = [Action::Allow, Action::Allow, Action::Log, Action::Errno(13)];
        let hits = memo_agrees(&random_rules(1, 25, &mixed, &wide));
        assert!(hits > 100, "the memo answered {hits} prunes");
    }

    /// The rules `random_rules` makes, all on prctl for x86_64 alone (as the libseccomp runs
    /// behind these tests were made). Returns each rule's result.
    fn on_prctl(f: &mut SeccompDb, rules: &[(&str, Action, Vec<Cond>)]) -> Vec<Result<(), AddError>> {
        rules.iter().map(|(_, action, conds)| f.add_rule("prctl", *action, conds)).collect()
    }

    fn x86_64(default: Action) -> SeccompDb {
        SeccompDb::new(default, &[Arch::X86_64])
    }

    fn prctl_ragged(f: &SeccompDb) -> bool {
        f.dbs[0].syscalls.get(&157).is_some_and(|e| e.tree.ragged())
    }

    /// The 50-round run of `the_prune_memo_changes_no_tree`'s rules never finished: rule 35
    /// (prctl) relinks a node and closes a level into a ring. libseccomp 2.5.4 loops for ever
    /// on the same 8 prctl rules (`a_ring_made_by_a_rule_refuses_it`); the model refuses the
    /// rule instead, and the memo still changes nothing.
    #[test]
    fn fifty_rounds_finish_and_the_ringing_rule_is_refused() {
        let wide = [0, 1, 7, 0xffff_ffff, 1 << 32, (2 << 32) | 3, u64::MAX];
        let mixed = [Action::Allow, Action::Allow, Action::Log, Action::Errno(13)];
        let rules = random_rules(1, 50, &mixed, &wide);
        memo_agrees(&rules);
        let mut f = db(Action::Errno(1));
        let rings: Vec<usize> = rules
            .iter()
            .enumerate()
            .filter(|(_, (name, action, conds))| {
                matches!(f.add_rule(name, *action, conds), Err(AddError::Loops { .. }))
            })
            .map(|(i, _)| i)
            .collect();
        assert_eq!(rings, [35]);
    }

    /// The 8 prctl rules of the 50-round run: the last one's 64-bit range condition reaches the
    /// argument-2 level by two branches, the second links the shared node again, and a level
    /// becomes a ring (libseccomp 2.5.4 spins in it: measured, see the oracle test).
    #[test]
    fn a_ring_made_by_a_rule_refuses_it() {
        let wide = [0, 1, 7, 0xffff_ffff, 1 << 32, (2 << 32) | 3, u64::MAX];
        let mixed = [Action::Allow, Action::Allow, Action::Log, Action::Errno(13)];
        let rules: Vec<_> =
            random_rules(1, 36, &mixed, &wide).into_iter().filter(|(name, _, _)| *name == "prctl").collect();
        assert_eq!(rules.len(), 8);
        let mut f = x86_64(Action::Errno(1));
        let results = on_prctl(&mut f, &rules[..7]);
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        let before = format!("{:?}", f.dbs[0].syscalls);
        let (_, action, conds) = &rules[7];
        let err = f.add_rule("prctl", *action, conds).unwrap_err();
        assert_eq!(err, AddError::Loops { name: "prctl".into(), arch: Arch::X86_64 });
        assert!(err.to_string().contains("never finishes"), "{err}");
        assert_eq!(before, format!("{:?}", f.dbs[0].syscalls), "rolled back");
        f.add_rule("prctl", Action::Allow, &[eq(0, 99)]).unwrap();
        assert_eq!(f.decide(Arch::X86_64, 157, &[99, 0, 0, 0, 0, 0]).0, Action::Allow, "and still take rules");
    }

    /// A relinked node can leave a ring that no later rule walks: libseccomp 2.5.4 accepts all
    /// 30 rules of this set and then never finishes building the program. The rule that
    /// leaves the ring is refused.
    #[test]
    fn a_ring_left_in_the_tree_refuses_the_rule() {
        let mixed = [Action::Allow, Action::Allow, Action::Log, Action::Errno(13)];
        let rules = random_rules(1044, 30, &mixed, &[0, 1, 2, 3]);
        let results = on_prctl(&mut x86_64(Action::Errno(1)), &rules);
        let rings: Vec<usize> = results
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(r, Err(AddError::Loops { .. })))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(rings, [27]);
    }

    /// Relinked nodes that close no ring: libseccomp 2.5.4 goes on (valgrind-clean) and
    /// builds a program, and so does the model (the oracle compares their decisions).
    #[test]
    fn a_relinked_node_without_a_ring_is_followed() {
        let mixed = [Action::Allow, Action::Allow, Action::Log, Action::Errno(13)];
        let mut f = x86_64(Action::Errno(1));
        let results = on_prctl(&mut f, &random_rules(1017, 30, &mixed, &[0, 1, 2, 3]));
        assert!(results.iter().all(|r| !matches!(r, Err(AddError::Loops { .. }))), "{results:?}");
        assert!(prctl_ragged(&f));
    }

    #[test]
    fn a_conflicting_rule_leaves_every_tree_as_it_was() {
        let mut f = db(Action::Errno(1));
        for v in 0..20 {
            f.add_rule("socket", Action::Allow, &[eq(1, v), eq(2, v + 1)]).unwrap();
            f.add_rule("socket", Action::Log, &[eq(1, v + 100)]).unwrap();
        }
        let before = format!("{:?}", f.dbs.iter().map(|d| &d.syscalls).collect::<Vec<_>>());
        assert!(f.add_rule("socket", Action::Trap, &[eq(1, 3), eq(2, 4)]).is_err());
        let after = format!("{:?}", f.dbs.iter().map(|d| &d.syscalls).collect::<Vec<_>>());
        assert_eq!(before, after, "the socket and socketcall trees on every arch are restored");
        f.add_rule("socket", Action::Allow, &[eq(1, 50)]).unwrap();
        assert_eq!(f.decide(Arch::X86_64, 41, &[0, 50, 0, 0, 0, 0]).0, Action::Allow, "and still take rules");
    }
}
