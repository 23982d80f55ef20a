//! Seccomp profiles: the typed model, lossless load and save per format, and edits.

pub mod action;
pub mod audit_import;
pub mod audit_log;
pub mod bundled;
pub mod document;
pub mod edit;
pub mod edit_rule;
pub mod errno;
pub mod finding;
pub mod generate;
pub mod json;
pub mod limits;
pub mod load;
pub mod model;
pub mod position;
pub mod spo;
pub mod synth;
pub mod yaml;

pub use action::{Action, ActionName, Op};
pub use document::{Document, LoadError, Revert, SaveError};
pub use finding::{Finding, Level};
pub use model::{ArchMapEntry, ArgCondition, Filter, KernelVersion, Profile, Rule};
