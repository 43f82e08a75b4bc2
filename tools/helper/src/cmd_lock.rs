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

pub fn run(args: &Args) -> Result<()> {
    #[derive(serde::Serialize)]
    struct FilesJson<'a> {
        files: &'a [ofiuco_hub::FileRepo],
        /// Git checkouts and local directories to build from (omitted when none).
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        sources: &'a [ofiuco_hub::SourceRepo],
    }
    if args.hub_name.is_empty()
        || !args.hub_name.starts_with(|c: char| c.is_ascii_alphabetic())
        || !args
            .hub_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        bail!(
            "invalid hub name {}: a repository name starts with a letter and has only letters, digits, `_`, `-` and `.`",
            ofiuco_spec::text::quoted(&args.hub_name)
        );
    }
    let build = match &args.build_policy {
        Some(path) => read_build_policy(path)?,
        None => std::collections::BTreeMap::new(),
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
    // Everything is rendered before anything is written, into a directory
    // beside the output that one rename commits: a refused lock, a full disk
    // or a path in the way leaves no partial hub.
    let files = FilesJson {
        files: &hub.files,
        sources: &hub.sources,
    };
    commit(
        &args.output,
        &[
            ("files.json", &serde_json::to_string_pretty(&files)?),
            ("BUILD.bazel", &hub.build),
        ],
    )?;
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

/// Writes `files` into a new directory beside `output` and renames it to
/// `output`. An existing `output` directory (an earlier run's hub) is replaced
/// as a whole; anything else at `output` is an error. On error nothing is left
/// at `output` that was not there before, and the temporary directory is removed.
fn commit(output: &Path, files: &[(&str, &str)]) -> Result<()> {
    let shown = output.display();
    let name = output
        .file_name()
        .with_context(|| format!("cannot write the hub to {shown}: the path has no file name"))?;
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if let Ok(meta) = fs::symlink_metadata(output) {
        if !meta.is_dir() {
            bail!("cannot write the hub to {shown}: it exists and is not a directory\nhint: remove it or choose another --output");
        }
    }
    fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    let staging = tempfile::Builder::new()
        .prefix(&prefix)
        .tempdir_in(parent)
        .with_context(|| {
            format!(
                "cannot create a temporary directory in {}",
                parent.display()
            )
        })?;
    for (file, text) in files {
        let path = staging.path().join(file);
        fs::write(&path, text)
            .with_context(|| format!("cannot write {}", output.join(file).display()))?;
    }
    set_dir_mode(staging.path())?;
    // An earlier hub is moved aside first, so that the rename never meets a
    // non-empty directory, and removed after.
    let old = if output.exists() {
        let aside = tempfile::Builder::new()
            .prefix(&prefix)
            .tempdir_in(parent)
            .with_context(|| {
                format!(
                    "cannot create a temporary directory in {}",
                    parent.display()
                )
            })?;
        let aside_hub = aside.path().join("old");
        fs::rename(output, &aside_hub).with_context(|| format!("cannot replace {shown}"))?;
        Some((aside, aside_hub))
    } else {
        None
    };
    if let Err(err) = fs::rename(staging.path(), output) {
        if let Some((_, aside_hub)) = &old {
            // Put the earlier hub back.
            let _ = fs::rename(aside_hub, output);
        }
        return Err(err).with_context(|| format!("cannot write the hub to {shown}"));
    }
    // The staging directory is now `output`: only its (now absent) path is left to forget.
    let _ = staging.keep();
    drop(old);
    Ok(())
}

#[cfg(unix)]
fn set_dir_mode(dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    // Temporary directories are created 0700; a hub is an ordinary directory.
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot set the mode of {}", dir.display()))
}

#[cfg(not(unix))]
fn set_dir_mode(_dir: &Path) -> Result<()> {
    Ok(())
}
