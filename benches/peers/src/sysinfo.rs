//! What the report's header says about the machine and the libraries.

use std::process::Command;

/// The `Cargo.lock` this binary was built with: the versions it names are the
/// versions linked.
const LOCK: &str = include_str!("../Cargo.lock");

/// The version of `krate` in `Cargo.lock` (`?` if absent).
pub fn locked_version(krate: &str) -> String {
    let needle = format!("name = \"{krate}\"\nversion = \"");
    LOCK.find(&needle)
        .and_then(|at| {
            let rest = &LOCK[at + needle.len()..];
            rest.find('"').map(|end| rest[..end].to_owned())
        })
        .unwrap_or_else(|| String::from("?"))
}

fn cpuinfo() -> String {
    std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default()
}

fn field<'a>(info: &'a str, key: &str) -> Option<&'a str> {
    info.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key).then(|| v.trim())
    })
}

/// The CPU model from `/proc/cpuinfo` (x86 `model name`, or the aarch64 part number).
pub fn cpu_model() -> String {
    let info = cpuinfo();
    if let Some(m) = field(&info, "model name") {
        // The family/model numbers name the core when the model string does not
        // (VMs often say just "AMD EPYC"): family 25 is Zen 3/4, 26 is Zen 5.
        return match (
            field(&info, "cpu family"),
            field(&info, "model"),
            field(&info, "stepping"),
        ) {
            (Some(f), Some(mo), Some(st)) => format!("{m} (family {f}, model {mo}, stepping {st})"),
            _ => m.to_owned(),
        };
    }
    match (field(&info, "CPU implementer"), field(&info, "CPU part")) {
        (Some(i), Some(p)) => format!("implementer {i} part {p}"),
        _ => String::from(std::env::consts::ARCH),
    }
}

/// The CPU's SIMD-relevant flags from `/proc/cpuinfo`.
pub fn simd_flags() -> String {
    const KEEP: &[&str] = &[
        "sse2",
        "ssse3",
        "sse4_1",
        "sse4_2",
        "avx",
        "fma",
        "f16c",
        "avx2",
        "avx512f",
        "avx512dq",
        "avx512cd",
        "avx512bw",
        "avx512vl",
        "avx512_vnni",
        "avx512_bf16",
        "avx512_fp16",
        "avx_vnni",
        "amx_tile",
        "asimd",
        "fphp",
        "asimdhp",
        "asimddp",
        "asimdfhm",
        "bf16",
        "i8mm",
        "sve",
        "sve2",
        "sme",
    ];
    let info = cpuinfo();
    let flags = field(&info, "flags")
        .or_else(|| field(&info, "Features"))
        .unwrap_or("");
    let have: Vec<&str> = flags
        .split_whitespace()
        .filter(|f| KEEP.contains(f))
        .collect();
    if have.is_empty() {
        String::from("?")
    } else {
        have.join(" ")
    }
}

/// Whether the CPU says it runs under a hypervisor (a VM: noisier timings).
pub fn hypervisor() -> bool {
    field(&cpuinfo(), "flags").is_some_and(|f| f.split_whitespace().any(|x| x == "hypervisor"))
}

fn run(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// `rustc -V` (the toolchain cargo used, when run through `cargo run`).
pub fn rustc() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| String::from("rustc"));
    run(&rustc, &["-V"]).unwrap_or_else(|| String::from("rustc ?"))
}

/// The dotgrad commit benchmarked (`git describe` of the enclosing checkout).
pub fn dotgrad_commit() -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    run("git", &["-C", dir, "describe", "--always", "--dirty"]).unwrap_or_else(|| String::from("?"))
}

/// Today's date (UTC), `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The OpenBLAS core to force for the second OpenBLAS column: the best kernel
/// family the CPU can run (`SkylakeX` with AVX-512, `Haswell` with AVX2).
pub fn forced_openblas_core() -> Option<&'static str> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if has!("avx512f") && has!("avx512bw") && has!("avx512dq") && has!("avx512vl") {
            return Some("SkylakeX");
        }
        if has!("avx2") && has!("fma") {
            return Some("Haswell");
        }
    }
    None
}

/// NumKong's capability names (it dispatches each kernel to the best of these).
pub fn numkong_caps() -> String {
    use numkong::cap;
    const NAMES: &[(u64, &str)] = &[
        (cap::HASWELL, "haswell"),
        (cap::SKYLAKE, "skylake"),
        (cap::ICELAKE, "icelake"),
        (cap::GENOA, "genoa"),
        (cap::SAPPHIRE, "sapphire"),
        (cap::TURIN, "turin"),
        (cap::ALDER, "alder"),
        (cap::SIERRA, "sierra"),
        (cap::DIAMOND, "diamond"),
        (cap::NEON, "neon"),
        (cap::NEONHALF, "neonhalf"),
        (cap::NEONSDOT, "neonsdot"),
        (cap::NEONBFDOT, "neonbfdot"),
        (cap::SVE, "sve"),
        (cap::SVE2, "sve2"),
    ];
    let caps = numkong::capabilities::available();
    let names: Vec<&str> = NAMES
        .iter()
        .filter(|(bit, _)| caps & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    if names.is_empty() {
        String::from("serial")
    } else {
        names.join(", ")
    }
}

/// The SIMD level faer's kernels dispatch to (faer 0.24 via pulp: x86-v3 at
/// most without its nightly feature; NEON on aarch64).
pub fn faer_simd() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if has!("avx2") && has!("fma") {
            return "pulp x86-v3 (AVX2+FMA; x86-v4 needs faer's nightly feature)";
        }
        "scalar/SSE2"
    }
    #[cfg(target_arch = "aarch64")]
    {
        "pulp NEON"
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        "scalar"
    }
}
