//! The process's own series, read from `/proc/self` (Linux; elsewhere none).

/// Resident memory (bytes), CPU time (seconds), open file descriptors and
/// the start time (Unix seconds), where the platform tells.
#[derive(Debug, Default, Clone, Copy)]
pub struct Process {
    pub resident_bytes: Option<u64>,
    pub cpu_seconds: Option<f64>,
    pub open_fds: Option<u64>,
    pub start_time: Option<f64>,
}

#[cfg(target_os = "linux")]
pub fn read() -> Process {
    static PAGE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let page = *PAGE.get_or_init(page_size);
    let ticks = 100.0; // USER_HZ on every Linux architecture we build for.
    let resident_bytes = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map(|pages| pages * page);
    let stat = std::fs::read_to_string("/proc/self/stat").ok();
    // Fields after the command name (which may hold spaces) in parentheses.
    let fields: Vec<&str> = stat
        .as_deref()
        .and_then(|s| s.rsplit_once(')'))
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15 of the line; starttime is 22.
    // After the ')' the state is field 3, so index = field - 3.
    let num = |field: usize| fields.get(field - 3).and_then(|v| v.parse::<f64>().ok());
    let cpu_seconds = match (num(14), num(15)) {
        (Some(u), Some(s)) => Some((u + s) / ticks),
        _ => None,
    };
    let boot = std::fs::read_to_string("/proc/stat").ok().and_then(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("btime "))
            .and_then(|v| v.trim().parse::<f64>().ok())
    });
    let start_time = match (boot, num(22)) {
        (Some(b), Some(t)) => Some(b + t / ticks),
        _ => None,
    };
    let open_fds = std::fs::read_dir("/proc/self/fd")
        .ok()
        .map(|d| d.count() as u64);
    Process {
        resident_bytes,
        cpu_seconds,
        open_fds,
        start_time,
    }
}

#[cfg(target_os = "linux")]
fn page_size() -> u64 {
    // /proc/self/smaps names the kernel's page size (read once: the file is
    // long); no libc call needed.
    std::fs::read_to_string("/proc/self/smaps")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("KernelPageSize:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(4096)
}

#[cfg(not(target_os = "linux"))]
pub fn read() -> Process {
    Process::default()
}
