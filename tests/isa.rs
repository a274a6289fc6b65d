//! Backend choice: `DOTGRAD_ISA` parsing, capping, availability, errors for
//! backends the CPU lacks, and (in child processes, because the choice is
//! cached once per process) what `DOTGRAD_ISA` does to the automatic choice.

use std::process::{Command, Output};

use dotgrad::{Error, Isa, Kernels};

#[test]
fn isa_parse_cap_accepts_names_in_any_case_with_white_space() {
    assert_eq!(Isa::parse_cap("").unwrap(), None);
    assert_eq!(Isa::parse_cap("  \t\n").unwrap(), None);
    assert_eq!(Isa::parse_cap("scalar").unwrap(), Some(Isa::Scalar));
    #[cfg(target_arch = "x86_64")]
    {
        assert_eq!(Isa::parse_cap(" AVX2\n").unwrap(), Some(Isa::Avx2));
        assert_eq!(Isa::parse_cap("Avx512").unwrap(), Some(Isa::Avx512));
    }
    #[cfg(target_arch = "aarch64")]
    assert_eq!(Isa::parse_cap("\tNeOn ").unwrap(), Some(Isa::Neon));
}

#[test]
fn isa_parse_cap_rejects_backends_of_another_architecture() {
    // A cap that can never take effect here is an error, not a silent
    // fall to the (many times slower) scalar reference.
    for isa in Isa::ALL.iter().copied().filter(|i| !i.in_target()) {
        let err = Isa::parse_cap(&format!(" {} ", isa.name().to_uppercase())).unwrap_err();
        assert_eq!(err, Error::TargetLacksIsa(isa));
        let msg = err.to_string();
        assert!(msg.contains(isa.name()), "{msg}");
        assert!(msg.contains(isa.arch().unwrap()), "{msg}");
        assert!(msg.contains("this build targets"), "{msg}");
    }
    #[cfg(target_arch = "x86_64")]
    assert_eq!(
        Isa::parse_cap("neon").unwrap_err().to_string(),
        "the neon backend is for aarch64; this build targets x86_64"
    );
}

#[test]
fn isa_parse_cap_rejects_unknown_names_naming_them() {
    for bad in [
        "bogus",
        "avx",
        "avx 2",
        "avx2x",
        "sse4",
        "avx-512",
        "scalar,avx2",
    ] {
        let err = Isa::parse_cap(bad).unwrap_err();
        match err {
            Error::UnknownIsa(name) => assert_eq!(name.as_str(), bad),
            other => panic!("{bad:?}: expected UnknownIsa, got {other:?}"),
        }
        let msg = err.to_string();
        assert!(msg.contains(bad), "{msg}");
        // The message lists the valid names, so the user can fix it.
        for isa in Isa::ALL.iter().copied() {
            assert!(msg.contains(isa.name()), "{msg}");
        }
    }
}

#[test]
fn isa_from_str_round_trips_display() {
    for isa in Isa::ALL.iter().copied() {
        assert_eq!(isa.to_string().parse::<Isa>().unwrap(), isa);
        assert_eq!(isa.name().to_uppercase().parse::<Isa>().unwrap(), isa);
        assert_eq!(format!("  {isa} ").parse::<Isa>().unwrap(), isa);
    }
    assert!(matches!("".parse::<Isa>(), Err(Error::UnknownIsa(_))));
    assert!(matches!("bogus".parse::<Isa>(), Err(Error::UnknownIsa(_))));
}

#[test]
fn isa_unknown_name_is_truncated_at_a_char_boundary() {
    let long = "x".repeat(40);
    let Err(Error::UnknownIsa(name)) = long.parse::<Isa>() else {
        panic!("expected UnknownIsa")
    };
    assert_eq!(name.as_str(), &long[..32]);
    assert!(name.to_string().ends_with("..."), "{name}");
    // 31 ASCII bytes then a 2-byte char: the cut must not split it.
    let s = format!("{}é", "y".repeat(31));
    let Err(Error::UnknownIsa(name)) = s.parse::<Isa>() else {
        panic!("expected UnknownIsa")
    };
    assert_eq!(name.as_str(), &s[..31]);
}

#[test]
fn isa_available_always_contains_scalar_and_is_ordered() {
    let avail: Vec<Isa> = Isa::available().collect();
    assert_eq!(avail.first(), Some(&Isa::Scalar));
    assert!(avail.windows(2).all(|w| w[0] < w[1]), "{avail:?}");
    for isa in Isa::ALL.iter().copied() {
        assert_eq!(avail.contains(&isa), isa.is_available(), "{isa}");
    }
    assert_eq!(Isa::detected(), *avail.last().unwrap());
    #[cfg(target_arch = "x86_64")]
    assert!(!Isa::Neon.is_available());
    #[cfg(target_arch = "aarch64")]
    {
        assert!(!Isa::Avx2.is_available() && !Isa::Avx512.is_available());
        // NEON is part of the aarch64 baseline.
        assert!(Isa::Neon.is_available());
    }
    eprintln!("available here: {avail:?}");
}

#[test]
fn isa_capped_goes_down_the_chain_to_an_available_backend() {
    for isa in Isa::ALL.iter().copied() {
        let c = isa.capped();
        assert!(c.is_available(), "{isa} -> {c}");
        if isa.is_available() {
            assert_eq!(c, isa);
        }
    }
    assert_eq!(Isa::Scalar.capped(), Isa::Scalar);
    let avx512 = Isa::Avx512.capped();
    assert!([Isa::Avx512, Isa::Avx2, Isa::Scalar].contains(&avx512));
    if !Isa::Avx512.is_available() {
        assert_eq!(avx512, Isa::Avx2.capped());
    }
    let avx2 = Isa::Avx2.capped();
    assert!([Isa::Avx2, Isa::Scalar].contains(&avx2));
    let neon = Isa::Neon.capped();
    assert!([Isa::Neon, Isa::Scalar].contains(&neon));
    #[cfg(target_arch = "x86_64")]
    assert_eq!(neon, Isa::Scalar);
    #[cfg(target_arch = "aarch64")]
    assert_eq!((avx512, avx2), (Isa::Scalar, Isa::Scalar));
}

#[test]
fn kernels_new_fails_for_unavailable_backends() {
    for isa in Isa::ALL.iter().copied() {
        match Kernels::new(isa) {
            Ok(k) => {
                assert!(isa.is_available());
                assert_eq!(k.isa(), isa);
            }
            Err(err) => {
                assert!(!isa.is_available());
                if isa.in_target() {
                    assert_eq!(err, Error::IsaUnavailable(isa));
                    assert!(err.to_string().contains("not available on this CPU"));
                } else {
                    assert_eq!(err, Error::TargetLacksIsa(isa));
                    assert!(err.to_string().contains("this build targets"));
                }
                let msg = err.to_string();
                assert!(msg.contains(isa.name()), "{msg}");
            }
        }
    }
    // A backend of another architecture: the target lacks it, not the CPU.
    #[cfg(target_arch = "x86_64")]
    assert_eq!(
        Kernels::new(Isa::Neon).unwrap_err(),
        Error::TargetLacksIsa(Isa::Neon)
    );
    #[cfg(target_arch = "aarch64")]
    assert_eq!(
        Kernels::new(Isa::Avx2).unwrap_err(),
        Error::TargetLacksIsa(Isa::Avx2)
    );
}

#[test]
fn isa_best_follows_the_environment_of_this_process() {
    // Whatever DOTGRAD_ISA this test run has, `best` must agree with it.
    let want = match Isa::from_env() {
        Ok(Some(cap)) => cap.capped(),
        Ok(None) | Err(_) => Isa::detected(),
    };
    assert_eq!(Isa::best(), want);
    assert_eq!(Kernels::best().isa(), want);
    assert_eq!(Isa::best(), Isa::best(), "cached");
}

// ---------------------------------------------------------------------------
// Child processes. `Isa::best` is computed once per process, so each
// DOTGRAD_ISA value gets a fresh process: this test binary itself, running a
// single `#[ignore]`d child test. The children do nothing unless the parent
// marked them with CHILD_MARK, so `cargo test -- --ignored` stays harmless.

const CHILD_MARK: &str = "DOTGRAD_ISA_TEST_CHILD";

fn in_child() -> bool {
    std::env::var_os(CHILD_MARK).is_some()
}

/// Runs child test `name` with `DOTGRAD_ISA` set to `value` (or unset).
/// Returns `None` when this platform cannot start the child (a foreign
/// binary under qemu-user without binfmt_misc and without qemu on PATH).
fn run_child(name: &str, value: Option<&str>) -> Option<Output> {
    let exe = std::env::current_exe().expect("current_exe");
    let args = [
        "--exact",
        name,
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ];
    let mut runners: Vec<Command> = vec![Command::new(&exe)];
    // Under qemu-user without binfmt_misc the kernel cannot exec an aarch64
    // binary directly (ENOEXEC); then start it through qemu as cargo's
    // runner (.cargo/config.toml) did.
    if cfg!(target_arch = "aarch64") {
        let mut c = Command::new("qemu-aarch64");
        c.args(["-L", "/usr/aarch64-linux-gnu"]).arg(&exe);
        runners.push(c);
    }
    for mut cmd in runners {
        cmd.args(args).env(CHILD_MARK, "1");
        match value {
            Some(v) => cmd.env("DOTGRAD_ISA", v),
            None => cmd.env_remove("DOTGRAD_ISA"),
        };
        match cmd.output() {
            // Exit status 127 with no output: the exec itself failed after
            // the fork (how a failed exec looks when spawned under qemu-user).
            Ok(out) if out.status.code() == Some(127) && out.stdout.is_empty() => {
                eprintln!("note: could not exec {cmd:?}: status 127")
            }
            Ok(out) => return Some(out),
            Err(e) => eprintln!("note: could not start {cmd:?}: {e}"),
        }
    }
    None
}

fn expect_child_passes(name: &str, value: Option<&str>) {
    let Some(out) = run_child(name, value) else {
        eprintln!("note: cannot start a child process here; {name} skipped");
        return;
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "child {name} with DOTGRAD_ISA={value:?} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    // The child really ran (a typo in the name would filter it out).
    assert!(
        stdout.contains(&format!("child {name} ok")),
        "child {name} did not run:\n{stdout}\n{stderr}"
    );
}

#[test]
fn dotgrad_isa_scalar_forces_scalar() {
    expect_child_passes("child_scalar", Some("scalar"));
    // Case and white space do not matter.
    expect_child_passes("child_scalar", Some(" SCALAR\n"));
}

#[test]
#[ignore = "child process of dotgrad_isa_scalar_forces_scalar"]
fn child_scalar() {
    if !in_child() {
        return;
    }
    assert_eq!(Isa::from_env().unwrap(), Some(Isa::Scalar));
    assert_eq!(Isa::best(), Isa::Scalar);
    assert_eq!(Kernels::best().isa(), Isa::Scalar);
    assert_eq!(Kernels::from_env().unwrap().isa(), Isa::Scalar);
    // The free functions run on it and still give the canonical bits.
    let a: Vec<f32> = (0..1000).map(|i| (i as f32).sin()).collect();
    let d = dotgrad::dot(&a, &a).unwrap();
    for isa in Isa::available() {
        let k = Kernels::new(isa).unwrap();
        assert_eq!(k.dot(&a, &a).unwrap().to_bits(), d.to_bits());
    }
    println!("child child_scalar ok");
}

#[test]
fn dotgrad_isa_unknown_is_reported_not_applied() {
    expect_child_passes("child_bogus", Some("bogus"));
}

#[test]
#[ignore = "child process of dotgrad_isa_unknown_is_reported_not_applied"]
fn child_bogus() {
    if !in_child() {
        return;
    }
    let err = Isa::from_env().unwrap_err();
    assert!(matches!(err, Error::UnknownIsa(_)), "{err:?}");
    assert!(err.to_string().contains("bogus"), "{err}");
    let err = Kernels::from_env().unwrap_err();
    assert!(err.to_string().contains("bogus"), "{err}");
    // The automatic choice ignores the invalid cap (and the speed report and
    // benches print the error from `from_env`).
    assert_eq!(Isa::best(), Isa::detected());
    assert_eq!(Kernels::best().isa(), Isa::detected());
    println!("child child_bogus ok");
}

#[test]
fn dotgrad_isa_avx2_caps_the_choice() {
    expect_child_passes("child_avx2", Some("avx2"));
}

#[test]
fn isa_all_names_every_variant_and_kernels_best_is_cached() {
    assert_eq!(Isa::ALL.len(), 4);
    assert_eq!(Isa::ALL[0], Isa::Scalar);
    let k = Kernels::best();
    for _ in 0..3 {
        assert_eq!(Kernels::best().isa(), k.isa());
    }
}

#[test]
#[ignore = "child process of dotgrad_isa_avx2_caps_the_choice"]
fn child_avx2() {
    if !in_child() {
        return;
    }
    if !cfg!(target_arch = "x86_64") {
        assert_eq!(
            Isa::from_env().unwrap_err(),
            Error::TargetLacksIsa(Isa::Avx2)
        );
        assert_eq!(Isa::best(), Isa::detected());
        println!("child child_avx2 ok");
        return;
    }
    assert_eq!(Isa::from_env().unwrap(), Some(Isa::Avx2));
    // Avx2 where the CPU has it (even with AVX-512), else Scalar.
    let want = if Isa::Avx2.is_available() {
        Isa::Avx2
    } else {
        Isa::Scalar
    };
    assert_eq!(Isa::best(), want);
    assert_eq!(Kernels::best().isa(), want);
    assert_eq!(Kernels::from_env().unwrap().isa(), want);
    println!("child child_avx2 ok");
}

#[test]
fn dotgrad_isa_avx512_and_neon_cap_to_what_the_cpu_has() {
    expect_child_passes("child_avx512", Some("avx512"));
    expect_child_passes("child_neon", Some("neon"));
}

#[test]
#[ignore = "child process of dotgrad_isa_avx512_and_neon_cap_to_what_the_cpu_has"]
fn child_avx512() {
    if !in_child() {
        return;
    }
    if cfg!(target_arch = "x86_64") {
        assert_eq!(Isa::from_env().unwrap(), Some(Isa::Avx512));
        assert_eq!(Isa::best(), Isa::Avx512.capped());
        assert!(Isa::best() <= Isa::Avx512);
    } else {
        // Another architecture's backend: reported, and the free functions
        // keep the detected backend instead of dropping to Scalar.
        assert_eq!(
            Isa::from_env().unwrap_err(),
            Error::TargetLacksIsa(Isa::Avx512)
        );
        assert_eq!(Isa::best(), Isa::detected());
    }
    println!("child child_avx512 ok");
}

#[test]
#[ignore = "child process of dotgrad_isa_avx512_and_neon_cap_to_what_the_cpu_has"]
fn child_neon() {
    if !in_child() {
        return;
    }
    if cfg!(target_arch = "aarch64") {
        assert_eq!(Isa::from_env().unwrap(), Some(Isa::Neon));
        assert_eq!(Isa::best(), Isa::Neon.capped());
    } else {
        // `DOTGRAD_ISA=neon` on x86-64 used to drop every kernel to
        // Scalar (a 64Ki dot 54x slower); now it is an error from
        // `from_env`, and the automatic choice keeps the detected backend.
        assert_eq!(
            Isa::from_env().unwrap_err(),
            Error::TargetLacksIsa(Isa::Neon)
        );
        assert!(Kernels::from_env().is_err());
        assert_eq!(Isa::best(), Isa::detected());
        assert_eq!(Kernels::best().isa(), Isa::detected());
    }
    println!("child child_neon ok");
}

#[test]
fn dotgrad_isa_unset_or_empty_means_detected() {
    expect_child_passes("child_unset", None);
    expect_child_passes("child_unset", Some(""));
    expect_child_passes("child_unset", Some("   "));
}

#[test]
#[ignore = "child process of dotgrad_isa_unset_or_empty_means_detected"]
fn child_unset() {
    if !in_child() {
        return;
    }
    assert_eq!(Isa::from_env().unwrap(), None);
    assert_eq!(Isa::best(), Isa::detected());
    assert_eq!(Kernels::from_env().unwrap().isa(), Isa::detected());
    println!("child child_unset ok");
}

#[test]
fn isa_best_concurrent_first_use_in_a_fresh_process() {
    expect_child_passes("child_concurrent_first_use", None);
    expect_child_passes("child_concurrent_first_use", Some("scalar"));
}

#[test]
#[ignore = "child process of isa_best_concurrent_first_use_in_a_fresh_process"]
fn child_concurrent_first_use() {
    if !in_child() {
        return;
    }
    // Nothing in this process has called `Isa::best` yet: 16 threads make
    // the first call together and must all see the same backend.
    let barrier = std::sync::Barrier::new(16);
    let seen: Vec<(Isa, Isa)> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..16)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    (Isa::best(), Kernels::best().isa())
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let want = match Isa::from_env().unwrap() {
        Some(cap) => cap.capped(),
        None => Isa::detected(),
    };
    assert!(seen.iter().all(|&s| s == (want, want)), "{seen:?}");
    println!("child child_concurrent_first_use ok");
}
