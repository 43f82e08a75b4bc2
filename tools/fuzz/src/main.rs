//! `ofiuco-fuzz`: run the lock-reader fuzzer for a while.
//!
//! ```sh
//! cargo run --release -p ofiuco-fuzz -- --target poetry-lock --seconds 600 --seed 1 \
//!     --corpus /work/shared/corpus --out target/fuzz/poetry-lock
//! ```
//!
//! Exit status 1 when there are findings (panics, slow inputs, or for
//! `wheel` broken promises: see `ofiuco_fuzz::Report::violations`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use ofiuco_fuzz::{run, Config, Target};

fn main() -> ExitCode {
    let mut config = Config {
        target: Target::PoetryLock,
        seed: 1,
        duration: Duration::from_secs(10),
        max_inputs: None,
        input_limit: Duration::from_secs(1),
        corpus: Vec::new(),
        out_dir: PathBuf::from("target/fuzz"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{arg} needs a value")))
        };
        match arg.as_str() {
            "--target" => config.target = value().parse().unwrap_or_else(|e: String| usage(&e)),
            "--seed" => {
                config.seed = value()
                    .parse()
                    .unwrap_or_else(|_| usage("--seed takes a number"));
            }
            "--seconds" => {
                config.duration = Duration::from_secs_f64(
                    value()
                        .parse()
                        .unwrap_or_else(|_| usage("--seconds takes a number")),
                );
            }
            "--inputs" => {
                config.max_inputs = Some(
                    value()
                        .parse()
                        .unwrap_or_else(|_| usage("--inputs takes a number")),
                );
            }
            "--input-limit" => {
                config.input_limit = Duration::from_secs_f64(
                    value()
                        .parse()
                        .unwrap_or_else(|_| usage("--input-limit takes seconds")),
                );
            }
            "--corpus" => config.corpus.push(PathBuf::from(value())),
            "--out" => config.out_dir = PathBuf::from(value()),
            other => usage(&format!("unknown argument `{other}`")),
        }
    }
    let report = run(&config);
    print!("{:?} seed {}: {report}", config.target, config.seed);
    if report.panics.is_empty() && report.slow.is_empty() && report.violations.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "error: {problem}\nusage: ofiuco-fuzz [--target poetry-lock|pyproject|uv-lock|pylock|build-system|wheel] [--seed N] [--seconds S] [--inputs N] [--input-limit S] [--corpus DIR]... [--out DIR]"
    );
    std::process::exit(2)
}
