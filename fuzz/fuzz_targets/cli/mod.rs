//! The `copydesk` command line compiled as a module of a fuzz target, so that its readers and
//! its service, which live in the binary and not the library, can be fed in process.
//!
//! The binary's modules name each other as `crate::when`, `crate::Usage`, ...: the `use`
//! below puts them at the root of the target's crate, where those paths look.

#[allow(dead_code, unused_imports)]
#[path = "../../../src/bin/copydesk/main.rs"]
pub mod copydesk_cli;

/// A folder of this process's own for target `name`, in memory (`/dev/shm`) where there is
/// one; not created.
pub fn scratch(name: &str) -> std::path::PathBuf {
    let shm = std::path::Path::new("/dev/shm");
    let base = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    base.join(format!("copydesk-fuzz-{name}-{}", std::process::id()))
}
