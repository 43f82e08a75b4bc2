//! `ofiuco check-lock`: fails when `pyproject.toml` changed since the lock
//! was made (the hub's `:lock_test`). A poetry.lock's `content-hash` is
//! recomputed as Poetry 2.x does; a uv.lock's recorded requirements are
//! compared with the project's (`ofiuco_lock::check_uv`).

use std::fs;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use ofiuco_lock::{check_poetry, check_uv, detect_format, Freshness, LockFormat};
use ofiuco_spec::text::{quoted, shown_path};

#[derive(clap::Args)]
pub struct CheckLockArgs {
    /// The lock: a poetry.lock or a uv.lock.
    lock: PathBuf,
    /// The project's pyproject.toml (default: the one beside the lock).
    #[arg(long)]
    pyproject: Option<PathBuf>,
    /// The command that re-locks, for the hint (e.g. `bazel run @poetry//:lock`).
    #[arg(long)]
    relock: Option<String>,
}

pub fn run(args: &CheckLockArgs) -> Result<()> {
    let pyproject = args
        .pyproject
        .clone()
        .unwrap_or_else(|| args.lock.with_file_name("pyproject.toml"));
    let read = |p: &PathBuf| {
        fs::read_to_string(p).with_context(|| format!("cannot read `{}`", shown_path(p)))
    };
    let lock_text = read(&args.lock)?;
    let pyproject_text = read(&pyproject)?;
    let format = detect_format(&args.lock, &lock_text)?;
    let (freshness, tool) = match format {
        LockFormat::Poetry => (
            check_poetry(&args.lock, &lock_text, &pyproject, &pyproject_text)?,
            "poetry lock",
        ),
        LockFormat::Uv => (
            check_uv(&args.lock, &lock_text, &pyproject, &pyproject_text)?,
            "uv lock",
        ),
        LockFormat::Pylock => bail!(
            "`{}` is a pylock.toml, whose freshness ofiuco cannot check (it records no project requirements)\n  hint: check it with the tool that exports it",
            shown_path(&args.lock)
        ),
    };
    match freshness {
        Freshness::Fresh => {
            println!(
                "`{}` is up to date with `{}`",
                shown_path(&args.lock),
                shown_path(&pyproject)
            );
            Ok(())
        }
        Freshness::Stale(changes) => {
            let relock = args
                .relock
                .as_deref()
                .map_or_else(|| format!("`{tool}`"), |c| quoted(c).to_string());
            bail!(
                "`{}` is out of date: `{}` changed since it was locked\n{}\n  hint: run {relock} and commit the new lock",
                shown_path(&args.lock),
                shown_path(&pyproject),
                changes
                    .iter()
                    .map(|c| format!("  - {c}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        }
    }
}
