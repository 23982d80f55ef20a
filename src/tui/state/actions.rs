//! Setting an action on the selected syscall, its whole category or the default: the edit the
//! picker, Space and the errno prompt share.

use super::EditingState;
use crate::catalog::{self, CATEGORIES};
use crate::profile::edit::{Setting, set_default_action, set_syscall};
use crate::profile::errno::errno_number;
use crate::profile::{Action, ActionName};

/// What an action choice applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Syscall,
    Category,
    /// The profile's `defaultAction` (and `defaultErrnoRet`).
    Default,
}

/// An errno by name (`EACCES`) or number, within what the kernel returns.
pub fn errno_of(text: &str) -> Option<u32> {
    let t = text.trim();
    errno_number(&t.to_ascii_uppercase()).or_else(|| t.parse().ok()).filter(|e| *e <= crate::profile::load::MAX_ERRNO)
}

impl EditingState {
    /// Sets `setting` on `target` (the selected syscall, the current category, the default) as
    /// one undo step.
    pub fn set_action(&mut self, setting: Setting, target: Target) {
        if target == Target::Default {
            return self.set_default(setting);
        }
        let names: Vec<&'static str> = if target == Target::Category {
            let id = CATEGORIES[self.category].id;
            catalog::all()
                .iter()
                .filter(|i| i.category.id == id && catalog::number(self.ctx.native, i.name).is_some())
                .map(|i| i.name)
                .collect()
        } else {
            self.selected().map(|r| vec![r.name]).unwrap_or_default()
        };
        if names.is_empty() {
            return;
        }
        let default =
            (self.doc.profile.default_action.unwrap_or(ActionName::Errno), self.doc.profile.default_errno_ret);
        let what = match setting {
            Setting::Default => "the default action".to_string(),
            Setting::Action(a, e) => Action::from_name(a, e).to_string(),
        };
        let subject = if target == Target::Category {
            format!("{} syscalls of {}", names.len(), CATEGORIES[self.category].title)
        } else {
            names[0].to_string()
        };
        self.edit(format!("{subject} → {what}"), |value| {
            for name in &names {
                set_syscall(value, name, setting, default);
            }
        });
    }

    fn set_default(&mut self, setting: Setting) {
        let Setting::Action(action, errno) = setting else { return };
        self.edit(format!("default action → {}", Action::from_name(action, errno)), |value| {
            set_default_action(value, action, errno.filter(|_| action.takes_errno()))
        });
    }
}
