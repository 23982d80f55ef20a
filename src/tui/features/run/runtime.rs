//! After a run that works on the host: what runc itself calls after installing the filter and
//! the profile denies (a host run cannot show it, the container would not start), asked as y/n.

use super::RunPane;
use super::job::{Report, State};
use crate::policy::lint::runtime_needs_denied;
use crate::tui::state::EditingState;

/// At the end of a run: asks about runc's syscalls when the command worked and the profile
/// denies some of them (the lint's `runtime-syscalls-denied`, plus execve and exit_group).
pub fn ask_after_run(pane: &mut RunPane, ed: &EditingState) {
    let worked = matches!(pane.job.as_ref().map(|j| &j.state), Some(State::Ended(Ok(Report::Run(r)))) if r.works());
    pane.runtime_question = match &ed.evaluator {
        Ok(ev) if worked => runtime_needs_denied(ev),
        _ => Vec::new(),
    };
}

/// "works on the host; runc itself also needs …: allow them? y/n", while unanswered.
pub fn question(pane: &RunPane) -> Option<String> {
    (!pane.runtime_question.is_empty()).then(|| {
        format!("works on the host; runc itself also needs {}: allow them? y/n", pane.runtime_question.join(", "))
    })
}

/// `y` (allow them all, one undo step) or `n` (leave the profile as it is).
pub fn answer(pane: &mut RunPane, ed: &mut EditingState, yes: bool) {
    let names = std::mem::take(&mut pane.runtime_question);
    if yes {
        super::allow_names(ed, &names);
        ed.message = Some(format!("allowed {} for runc (one undo step)", names.join(", ")));
    } else {
        ed.message = Some("runc's syscalls left denied: the container would not start (Lint tab)".into());
    }
}
