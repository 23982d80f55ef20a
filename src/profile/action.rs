//! Seccomp actions and argument comparison operators, as spelled in profiles.

use std::fmt;

/// A rule or default action as written in a profile (`SCMP_ACT_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActionName {
    /// `SCMP_ACT_KILL`: kills the thread (same as `KILL_THREAD`).
    Kill,
    KillProcess,
    KillThread,
    Trap,
    Errno,
    Trace,
    Allow,
    Log,
    Notify,
}

impl ActionName {
    pub const ALL: [ActionName; 9] = [
        ActionName::Kill,
        ActionName::KillProcess,
        ActionName::KillThread,
        ActionName::Trap,
        ActionName::Errno,
        ActionName::Trace,
        ActionName::Allow,
        ActionName::Log,
        ActionName::Notify,
    ];

    pub fn spelling(self) -> &'static str {
        match self {
            ActionName::Kill => "SCMP_ACT_KILL",
            ActionName::KillProcess => "SCMP_ACT_KILL_PROCESS",
            ActionName::KillThread => "SCMP_ACT_KILL_THREAD",
            ActionName::Trap => "SCMP_ACT_TRAP",
            ActionName::Errno => "SCMP_ACT_ERRNO",
            ActionName::Trace => "SCMP_ACT_TRACE",
            ActionName::Allow => "SCMP_ACT_ALLOW",
            ActionName::Log => "SCMP_ACT_LOG",
            ActionName::Notify => "SCMP_ACT_NOTIFY",
        }
    }

    pub fn parse(text: &str) -> Option<ActionName> {
        ActionName::ALL.into_iter().find(|a| a.spelling() == text)
    }

    /// Whether this action takes an errno-style value (`errnoRet`).
    pub fn takes_errno(self) -> bool {
        matches!(self, ActionName::Errno | ActionName::Trace)
    }
}

/// What the kernel does: the action with its data resolved (`ERRNO(1)`, `TRACE(0)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    KillProcess,
    KillThread,
    Trap,
    Errno(u32),
    Trace(u32),
    Allow,
    Log,
    Notify,
}

impl Action {
    /// Resolves a profile action with its errno value (runc: ERRNO defaults to EPERM, TRACE to EPERM too).
    pub fn from_name(name: ActionName, errno: Option<u32>) -> Action {
        match name {
            ActionName::Kill | ActionName::KillThread => Action::KillThread,
            ActionName::KillProcess => Action::KillProcess,
            ActionName::Trap => Action::Trap,
            ActionName::Errno => Action::Errno(errno.unwrap_or(1)),
            ActionName::Trace => Action::Trace(errno.unwrap_or(1)),
            ActionName::Allow => Action::Allow,
            ActionName::Log => Action::Log,
            ActionName::Notify => Action::Notify,
        }
    }

    /// The kernel's `SECCOMP_RET_*` value with data, as a filter returns it.
    pub fn ret_value(self) -> u32 {
        match self {
            Action::KillProcess => 0x8000_0000,
            Action::KillThread => 0,
            Action::Trap => 0x0003_0000,
            Action::Errno(e) => 0x0005_0000 | (e & 0xffff),
            Action::Trace(e) => 0x7ff0_0000 | (e & 0xffff),
            Action::Log => 0x7ffc_0000,
            Action::Notify => 0x7fc0_0000,
            Action::Allow => 0x7fff_0000,
        }
    }

    /// Decodes a `SECCOMP_RET_*` value (the inverse of [`Action::ret_value`]).
    pub fn from_ret_value(ret: u32) -> Option<Action> {
        let data = ret & 0xffff;
        Some(match ret & 0xffff_0000 {
            0x8000_0000 => Action::KillProcess,
            0 => Action::KillThread,
            0x0003_0000 => Action::Trap,
            0x0005_0000 => Action::Errno(data),
            0x7ff0_0000 => Action::Trace(data),
            0x7ffc_0000 => Action::Log,
            0x7fc0_0000 => Action::Notify,
            0x7fff_0000 => Action::Allow,
            _ => return None,
        })
    }

    /// True when the syscall runs (ALLOW and LOG).
    pub fn lets_through(self) -> bool {
        matches!(self, Action::Allow | Action::Log)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::KillProcess => write!(f, "KILL_PROCESS"),
            Action::KillThread => write!(f, "KILL_THREAD"),
            Action::Trap => write!(f, "TRAP"),
            Action::Errno(e) => write!(f, "ERRNO({e})"),
            Action::Trace(e) => write!(f, "TRACE({e})"),
            Action::Allow => write!(f, "ALLOW"),
            Action::Log => write!(f, "LOG"),
            Action::Notify => write!(f, "NOTIFY"),
        }
    }
}

/// An argument comparison operator (`SCMP_CMP_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    Ne,
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
    MaskedEq,
}

impl Op {
    pub const ALL: [Op; 7] = [Op::Ne, Op::Lt, Op::Le, Op::Eq, Op::Ge, Op::Gt, Op::MaskedEq];

    pub fn spelling(self) -> &'static str {
        match self {
            Op::Ne => "SCMP_CMP_NE",
            Op::Lt => "SCMP_CMP_LT",
            Op::Le => "SCMP_CMP_LE",
            Op::Eq => "SCMP_CMP_EQ",
            Op::Ge => "SCMP_CMP_GE",
            Op::Gt => "SCMP_CMP_GT",
            Op::MaskedEq => "SCMP_CMP_MASKED_EQ",
        }
    }

    pub fn parse(text: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|o| o.spelling() == text)
    }

    /// The comparison as a symbol, for explanations (`arg0 == 8`).
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "==",
            Op::Ge => ">=",
            Op::Gt => ">",
            Op::MaskedEq => "&",
        }
    }

    /// Compares an argument: `value` is the datum, or the mask for MASKED_EQ (then `value_two` is the datum).
    pub fn matches(self, arg: u64, value: u64, value_two: u64) -> bool {
        match self {
            Op::Ne => arg != value,
            Op::Lt => arg < value,
            Op::Le => arg <= value,
            Op::Eq => arg == value,
            Op::Ge => arg >= value,
            Op::Gt => arg > value,
            Op::MaskedEq => arg & value == value_two & value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for a in ActionName::ALL {
            assert_eq!(ActionName::parse(a.spelling()), Some(a));
        }
        for o in Op::ALL {
            assert_eq!(Op::parse(o.spelling()), Some(o));
        }
        assert_eq!(ActionName::parse("SCMP_ACT_ALOW"), None);
    }

    #[test]
    fn ret_values_round_trip() {
        for a in [
            Action::KillProcess,
            Action::KillThread,
            Action::Trap,
            Action::Errno(38),
            Action::Trace(7),
            Action::Allow,
            Action::Log,
            Action::Notify,
        ] {
            assert_eq!(Action::from_ret_value(a.ret_value()), Some(a));
        }
        assert_eq!(Action::from_name(ActionName::Errno, None), Action::Errno(1));
        assert_eq!(Action::from_name(ActionName::Kill, None), Action::KillThread);
    }

    #[test]
    fn masked_eq_masks_the_datum() {
        assert!(Op::MaskedEq.matches(0x10, 0xff, 0x110));
        assert!(!Op::MaskedEq.matches(0x11, 0xff, 0x10));
    }
}
