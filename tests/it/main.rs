//! Integration tests: one binary, one module per area.

mod cli;
mod compiler;
mod evaluator_table;
mod invalid;
mod roundtrip;
mod support;
