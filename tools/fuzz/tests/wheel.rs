//! The `wheel` target as part of `cargo test`: a few seconds with a fixed
//! seed over the seed wheels. A test binary of its own, so that the heap's
//! high-water mark (the memory check) sees this target alone, not the lock
//! targets running in parallel in `tests/fuzz.rs`.
//!
//! Longer: `OFIUCO_FUZZ_SECONDS=600 OFIUCO_FUZZ_SEED=7 cargo test --profile
//! fuzz -p ofiuco-fuzz --test wheel -- --nocapture`, or the binary with
//! `--target wheel` (docs/fuzzing.md).

use std::path::Path;
use std::time::Duration;

use ofiuco_fuzz::{run, Config, Target};

#[test]
fn wheel_installer() {
    let env = |key: &str| std::env::var(key).ok();
    let seconds: f64 =
        env("OFIUCO_FUZZ_SECONDS").map_or(2.0, |s| s.parse().expect("OFIUCO_FUZZ_SECONDS"));
    let config = Config {
        target: Target::Wheel,
        seed: env("OFIUCO_FUZZ_SEED").map_or(7, |s| s.parse().expect("OFIUCO_FUZZ_SEED")),
        duration: Duration::from_secs_f64(seconds),
        max_inputs: None,
        // Generous: a debug build, on a busy machine.
        input_limit: Duration::from_secs(5),
        corpus: Vec::new(),
        out_dir: Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz/wheel"),
    };
    let report = run(&config);
    println!("wheel: {report}");
    assert!(report.inputs > 0);
    // Both outcomes are reached: the mutations are not all fatal, nor all harmless.
    assert!(report.accepted > 0 && report.refused > 0, "{report}");
    assert!(
        report.panics.is_empty() && report.slow.is_empty() && report.violations.is_empty(),
        "wheel (seed {}): {report}",
        config.seed
    );
}
