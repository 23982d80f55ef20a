//! Layer 2 of the editor: the features, one folder (or file) each. A feature owns its state
//! (if it has any beyond the editing state), the functions that handle its keys, and its
//! drawing:
//!
//! - key handling takes the feature's state, the message and `&mut EditingState` (plus the
//!   shared [`Mode`](super::shared::Mode) or [`Focus`](super::shared::Focus) when the key moves
//!   to another popup or pane) and does no I/O beyond what the feature is for;
//! - drawing takes the feature's state, `&EditingState`, the theme and an area, and changes
//!   nothing.
//!
//! A feature imports only the layers below it (`state`, `shared`, `theme`, `widgets`), never
//! another feature and never the app: the app composes them.

pub mod browser;
pub mod compare;
pub mod context;
pub mod detail;
pub mod prompt;
pub mod rules;
pub mod run;
