//! This process's memory, from `/proc/self/status` (Linux; `None` elsewhere). Shared by the
//! service's `/stats` and, through `#[path]`, by the measurement examples.

/// A `kB` field of `/proc/self/status` (`VmRSS`, resident now; `VmHWM`, the peak), in bytes.
pub fn status_bytes(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: u64 = s
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kb * 1024)
}
