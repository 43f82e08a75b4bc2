//! Time `read_poetry_lock` on one lock file:
//! `cargo run --release -p ofiuco-lock --example parse_time -- path/to/poetry.lock [runs]`

use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().expect("usage: parse_time <poetry.lock> [runs]"));
    let runs: usize = args.next().map_or(20, |r| r.parse().unwrap());
    let text = std::fs::read_to_string(&path).unwrap();
    let start = Instant::now();
    for _ in 0..runs {
        let _: toml::Table = toml::from_str(&text).unwrap();
    }
    let toml_only = start.elapsed() / runs as u32;
    let mut times = Vec::with_capacity(runs);
    let mut packages = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let lock = ofiuco_lock::read_poetry_lock(&path).unwrap_or_else(|e| panic!("{e}"));
        times.push(start.elapsed());
        packages = lock.packages.len();
    }
    let first = times[0];
    times.sort();
    println!(
        "{}: {packages} packages; first {first:?}, min {:?}, median {:?}, max {:?} over {runs} runs (toml::Table alone: {toml_only:?})",
        path.display(),
        times[0],
        times[runs / 2],
        times[runs - 1]
    );
}
