//! Integration tests: one binary, one module per area.

mod cli;
mod compiler;
mod evaluator_table;
mod invalid;
mod random_profile;
mod roundtrip;
mod support;
