//! Policy: the context a profile runs in, the evaluator of what the kernel will do, lint, and
//! conversion between formats (which resolves conditions for a context, so it sits above
//! `profile`: `profile` never imports `policy`).

pub mod caps;
pub mod compare;
pub mod context;
pub mod convert;
pub mod describe;
pub mod evaluator;
pub mod lint;
pub mod prepare;
pub mod runtime;
pub mod seccomp_db;

pub use context::{Context, Engine};
pub use evaluator::{BuildError, Decision, Evaluator, Source};
pub use runtime::{Runtime, RuntimeKind};
