//! What the benchmarks share: settings from the environment, peak memory, the machine line, and
//! writing a section of BENCHMARKS.md between its markers.
#![allow(dead_code)]

pub fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Resets the kernel's peak-RSS counter for this process (Linux: clear_refs 5).
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory since the last reset, in MiB.
pub fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("MemTotal:").map(|v| v.trim().to_owned()))
        })
        .unwrap_or_default();
    format!("{cpu}, {cores} cores, {mem} RAM")
}

/// Replaces the part of BENCHMARKS.md between `<!-- NAME:start -->` and `<!-- NAME:end -->`
/// (or appends it).
pub fn write_section(name: &str, body: &str) -> std::io::Result<()> {
    let start_marker = format!("<!-- {name}:start -->");
    let end_marker = format!("<!-- {name}:end -->");
    let section = format!("{start_marker}\n{body}{end_marker}\n");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md");
    let current = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n\n".to_owned());
    let updated = match (current.find(&start_marker), current.find(&end_marker)) {
        (Some(a), Some(b)) if a < b => {
            let rest = current[b + end_marker.len()..].trim_start_matches('\n');
            format!("{}{section}{rest}", &current[..a])
        }
        _ => format!("{current}\n{section}"),
    };
    std::fs::write(&path, updated)
}
