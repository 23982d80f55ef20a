//! Effects to I/O: saving (in place, over a changed file, as a new file or format, the
//! compare view's right side), loading a profile to compare with, opening the run pane (its
//! history), starting and stopping its command, and quitting. The loop calls [`perform`] with
//! what an update returned ([`step`] does both for one message).

use super::update::update;
use super::{App, Mode, compare, run_pane};
use crate::fsutil::write_file;
use crate::policy::convert::{Format, Request, convert};
use crate::profile::Document;
use crate::tui::features::{compare as compare_view, run};
use crate::tui::shared::{Effect, Msg};
use std::path::Path;

/// One message, as the event loop handles it: routed by the pure [`update`], then every
/// effect it returned performed, in order.
pub fn step(app: &mut App, msg: Msg) {
    for effect in update(app, msg) {
        perform(app, effect);
    }
}

/// Carries out what `update` asked for.
pub fn perform(app: &mut App, effect: Effect) {
    apply(app, effect);
    app.sync_compare();
}

fn apply(app: &mut App, effect: Effect) {
    match effect {
        Effect::Quit => app.quit = true,
        Effect::Save => match app.state.doc.save() {
            Ok(saved) => app.state.message = Some(format!("saved {}", saved.summary())),
            Err(crate::profile::SaveError::ChangedOnDisk { .. }) => app.mode = Mode::ConfirmOverwrite,
            Err(e) => app.state.message = Some(format!("not saved: {e}")),
        },
        Effect::SaveOverwrite => {
            let path = app.state.doc.path.clone().expect("only files from disk change on disk");
            save_as(app, &path);
        }
        Effect::SaveRight => {
            if let Some(view) = app.compare.as_mut() {
                compare_view::save_right(view, &mut app.state);
            }
        }
        Effect::OpenCompare(name) => compare::open_named(app, &name),
        Effect::OpenRunPane => run_pane::open(app),
        Effect::Run(launch) => {
            if let Some(pane) = app.run.as_mut() {
                run::launch(pane, &mut app.state, launch);
            }
        }
        Effect::StopRun => {
            if let Some(pane) = &app.run {
                run::stop(pane);
            }
        }
        Effect::SaveAs(path, to) => {
            let path = Path::new(&path);
            if path.exists() {
                app.state.message =
                    Some(format!("{} exists; not overwriting it (S and choose another name)", path.display()));
            } else {
                save_to(app, path, to);
            }
        }
    }
}

/// `S`: a format picked with Tab is what is written; without one, a `.yaml`/`.yml` name turns
/// a JSON profile into an SPO resource (what a YAML seccomp file is). When the format written
/// and the name disagree the file is saved all the same, with a warning in the status line.
fn save_to(app: &mut App, path: &Path, to: Option<Format>) {
    let yaml_name = has_yaml_extension(path);
    let to = to.or_else(|| (yaml_name && !app.state.doc.is_yaml()).then_some(Format::Spo));
    match to {
        Some(to) => save_converted(app, path, to),
        None => save_as(app, path),
    }
    let yaml_written = app.state.doc.is_yaml();
    let saved = app.state.message.as_deref().is_some_and(|m| m.starts_with("saved "));
    if saved && yaml_written != yaml_name {
        let written = if yaml_written { "YAML" } else { "JSON" };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let message = app.state.message.take().unwrap_or_default();
        app.state.message =
            Some(format!("{message} · warning: {written} written to {name}, whose extension says otherwise"));
    }
}

fn has_yaml_extension(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

fn save_as(app: &mut App, path: &Path) {
    match app.state.doc.save_as(path) {
        Ok(saved) => {
            app.state.json_view = None;
            app.state.message = Some(format!("saved {}", saved.summary()));
        }
        Err(e) => app.state.message = Some(format!("not saved: {e}")),
    }
}

/// Save as another format: converted (conditions resolved for the editing context), written,
/// then opened in place of the old document (its undo history no longer applies).
fn save_converted(app: &mut App, path: &Path, to: Format) {
    let request = Request { to, name: None, resolve: Some(&app.state.ctx) };
    let converted = match convert(&app.state.doc, &request) {
        Ok(c) => c,
        Err(refused) => {
            app.state.message = Some(format!("not saved as {}: {}", to.name(), refused.0.join("; ")));
            return;
        }
    };
    let saved = match write_file(path, converted.text.as_bytes()) {
        Ok(saved) => saved,
        Err(e) => {
            app.state.message = Some(format!("not saved: {e}"));
            return;
        }
    };
    match Document::open(path) {
        Ok(doc) => {
            app.state.replace_document(doc);
            let dropped = if converted.dropped.is_empty() {
                "nothing dropped".to_string()
            } else {
                format!("dropped: {}", converted.dropped.join("; "))
            };
            app.state.message = Some(format!("saved {} as {} ({dropped}); now editing it", saved.summary(), to.name()));
        }
        Err(e) => app.state.message = Some(format!("saved {}, but it does not read back: {e}", path.display())),
    }
}
