//! The `copydesk` command line compiled as a module of a fuzz target, so that its readers and
//! its service, which live in the binary and not the library, can be fed in process.
//!
//! The binary's modules name each other as `crate::when`, `crate::Usage`, ...: the `use`
//! below puts them at the root of the target's crate, where those paths look.

#[allow(dead_code, unused_imports)]
#[path = "../../../src/bin/copydesk/main.rs"]
pub mod copydesk_cli;
