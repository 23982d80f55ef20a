//! Integration tests: one binary, one module per area.

mod cli;
mod evaluator_table;
mod invalid;
mod roundtrip;
mod support;
