//! `ofiuco lock`: a lock file -> the hub repository's files.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use ofiuco_hub::{render, HubOptions};

#[derive(clap::Args)]
pub struct Args {
    /// The lock file: a poetry.lock (lock-version 1.1, 2.0 or 2.1, with the
    /// pyproject.toml beside it), a uv.lock (version 1) or a pylock.toml (PEP 751).
    lock: PathBuf,
    /// Where to write the hub: BUILD.bazel and files.json.
    #[arg(long)]
    output: PathBuf,
    /// The hub's repository name; file repositories are named `<hub-name>__<file>`.
    #[arg(long, default_value = "poetry")]
    hub_name: String,
    /// A JSON file of per-package build policies (the extension's `poetry.build`
    /// tags): `{"<package>": {"mode": "auto"|"always"|"never", "wheel": "<label>", "native": true}}`.
    #[arg(long)]
    build_policy: Option<PathBuf>,
    /// The build mode of packages the policy file does not name (`never` for
    /// ofiuco's own build tools, which are not built from source).
    #[arg(long, value_parser = ["auto", "always", "never"], default_value = "auto")]
    build_default: String,
}

pub fn run(args: Args) -> Result<()> {
    if args.hub_name.is_empty()
        || !args.hub_name.starts_with(|c: char| c.is_ascii_alphabetic())
        || !args
            .hub_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        bail!(
            "invalid hub name {}: a repository name starts with a letter and has only letters, digits, `_`, `-` and `.`",
            ofiuco_lock::quoted(&args.hub_name)
        );
    }
    let build = match &args.build_policy {
        Some(path) => read_build_policy(path)?,
        None => Default::default(),
    };
    let lock = read_lock(&args.lock)?;
    let hub = render(
        &lock,
        &HubOptions {
            hub_name: args.hub_name.clone(),
            build,
            build_default: match args.build_default.as_str() {
                "always" => ofiuco_hub::BuildMode::Always,
                "never" => ofiuco_hub::BuildMode::Never,
                _ => ofiuco_hub::BuildMode::Auto,
            },
        },
    )?;
    // Everything is rendered before anything is written: a refused lock leaves no partial hub.
    #[derive(serde::Serialize)]
    struct FilesJson<'a> {
        files: &'a [ofiuco_hub::FileRepo],
    }
    let files = FilesJson { files: &hub.files };
    write(
        &args.output.join("files.json"),
        &serde_json::to_string_pretty(&files)?,
    )?;
    write(&args.output.join("BUILD.bazel"), &hub.build)?;
    // The process ends here: freeing the model and the rendered text would only cost time.
    std::mem::forget(hub);
    std::mem::forget(lock);
    Ok(())
}

/// The `--build-policy` file: package names are validated and normalized.
fn read_build_policy(
    path: &Path,
) -> Result<std::collections::BTreeMap<ofiuco_spec::PackageName, ofiuco_hub::BuildPolicy>> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let raw: std::collections::BTreeMap<String, ofiuco_hub::BuildPolicy> =
        serde_json::from_str(&text)
            .with_context(|| format!("invalid build policy file {}", path.display()))?;
    raw.into_iter()
        .map(|(name, policy)| {
            let name = ofiuco_spec::PackageName::try_from(name.as_str()).with_context(|| {
                format!(
                    "invalid package name in the build policy file {}",
                    path.display()
                )
            })?;
            Ok((name, policy))
        })
        .collect()
}

fn read_lock(path: &Path) -> Result<ofiuco_lock::Lock> {
    // The format comes from the file's name and content (they must agree).
    Ok(ofiuco_lock::read_lock(path)?)
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}
