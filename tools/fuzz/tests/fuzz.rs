//! The fuzzer as part of `cargo test`: a few seconds with a fixed seed over
//! the repository's fixtures, per target; no panic, no slow input.
//!
//! Longer runs: `OFIUCO_FUZZ_SECONDS=600 OFIUCO_FUZZ_SEED=7 cargo test
//! --release -p ofiuco-fuzz -- --nocapture` (and `OFIUCO_FUZZ_CORPUS=dir` to
//! add real locks as seeds), or the `ofiuco-fuzz` binary (docs/fuzzing.md).

use std::path::{Path, PathBuf};
use std::time::Duration;

use ofiuco_fuzz::{run, Config, Target};

fn config(target: Target, name: &str) -> Config {
    let env = |key: &str| std::env::var(key).ok();
    let seconds: f64 =
        env("OFIUCO_FUZZ_SECONDS").map_or(2.0, |s| s.parse().expect("OFIUCO_FUZZ_SECONDS"));
    Config {
        target,
        seed: env("OFIUCO_FUZZ_SEED").map_or(7, |s| s.parse().expect("OFIUCO_FUZZ_SEED")),
        duration: Duration::from_secs_f64(seconds),
        max_inputs: None,
        // Generous: a debug build, on a busy machine.
        input_limit: Duration::from_secs(5),
        corpus: env("OFIUCO_FUZZ_CORPUS")
            .map(PathBuf::from)
            .into_iter()
            .collect(),
        out_dir: Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("fuzz")
            .join(name),
    }
}

fn check(target: Target, name: &str) {
    let config = config(target, name);
    let report = run(&config);
    println!("{name}: {report}");
    assert!(report.inputs > 0);
    assert!(
        report.panics.is_empty() && report.slow.is_empty(),
        "{name} (seed {}): {report}",
        config.seed
    );
}

#[test]
fn poetry_lock_reader() {
    check(Target::PoetryLock, "poetry-lock");
}

#[test]
fn pyproject_reader() {
    check(Target::Pyproject, "pyproject");
}

#[test]
fn build_system_reader() {
    check(Target::BuildSystem, "build-system");
}

#[test]
fn uv_lock_reader() {
    check(Target::UvLock, "uv-lock");
}

#[test]
fn pylock_reader() {
    check(Target::Pylock, "pylock");
}
