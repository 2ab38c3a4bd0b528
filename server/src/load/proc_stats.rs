//! The server's CPU time and resident memory, read from `/proc/<pid>` (Linux).
//!
//! The load tool runs beside the server, so it can ask the kernel what the server
//! spent, rather than trusting the server to report on itself.

use serde::Serialize;

/// Clock ticks per second of `/proc/<pid>/stat` times. `sysconf(_SC_CLK_TCK)` is 100 on
/// every Linux we target; reading it would need `unsafe` libc calls, which the
/// workspace forbids.
const TICKS_PER_SECOND: f64 = 100.0;

/// One reading.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct ProcSample {
    /// User plus system CPU time, in seconds.
    pub cpu_s: f64,
    /// Resident set size, in KiB.
    pub rss_kib: u64,
}

/// Reads `pid`'s CPU time and RSS; `None` if the process is not readable.
pub fn sample(pid: u32) -> Option<ProcSample> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())?;
    Some(ProcSample {
        cpu_s: (utime + stime) as f64 / TICKS_PER_SECOND,
        rss_kib,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let me = sample(std::process::id()).expect("own /proc entry is readable");
        assert!(me.rss_kib > 100, "{me:?}");
        // Burn a little CPU so the time is not zero.
        let mut x = 0u64;
        for i in 0..50_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        let later = sample(std::process::id()).unwrap();
        assert!(later.cpu_s >= me.cpu_s);
        assert!(sample(u32::MAX).is_none());
    }
}
