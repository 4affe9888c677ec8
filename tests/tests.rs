//! Integration tests: one binary, modules per area, fixtures in `common`.

mod cli;
mod common;
mod model;
mod sentiment;
mod text;
mod topics;
