//! The environment table as Starlark: `python/private/envs_table.bzl` in the
//! ofiuco module is rendered from [`standard_envs`] and checked in; a test
//! fails when it is stale. Every lock-independent Bazel piece (constraints,
//! `config_setting`s, `target_env`, `pick()`) is built from that file, and
//! hubs refer to environments by their index in it.

use std::fmt::Write;

use ofiuco_spec::{standard_envs, Libc, Os, TargetEnv};

/// The `@ofiuco//python/libc` constraint of an environment (`glibc_2_26`,
/// `musl_1_2`), empty off Linux.
pub fn libc_name(env: &TargetEnv) -> String {
    match env.libc {
        Libc::Glibc { major, minor } => format!("glibc_{major}_{minor}"),
        Libc::Musl { major, minor } => format!("musl_{major}_{minor}"),
        Libc::None => String::new(),
    }
}

/// The `@platforms//os` constraint of an environment.
pub fn os_name(env: &TargetEnv) -> &'static str {
    match env.os {
        Os::Linux => "linux",
        Os::Macos { .. } => "macos",
        Os::Windows => "windows",
    }
}

/// The `@platforms//cpu` constraint of an environment.
pub fn cpu_name(env: &TargetEnv) -> &'static str {
    match env.arch {
        ofiuco_spec::Arch::X86_64 => "x86_64",
        ofiuco_spec::Arch::Aarch64 => "aarch64",
    }
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !value.is_empty() && !list.contains(&value) {
        list.push(value);
    }
}

/// `python/private/envs_table.bzl`.
pub fn render_env_table() -> String {
    let envs = standard_envs();
    let (mut pythons, mut libcs) = (Vec::new(), Vec::new());
    for env in &envs {
        push_unique(&mut pythons, env.python_name());
        push_unique(&mut libcs, libc_name(env));
    }
    libcs.sort_by_key(|l| (!l.starts_with("glibc"), l.len(), l.clone()));
    let list = |values: &[String]| {
        values
            .iter()
            .map(|v| format!("{v:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = String::new();
    out.push_str(concat!(
        "\"\"\"The target environments of ofiuco. Generated from the table in the Rust\n",
        "helper (`standard_envs`); do not edit: `tools/dev/update_snapshots.sh`\n",
        "rewrites it, and `cargo test` fails when it is stale.\n",
        "\"\"\"\n\n",
        "# Python versions (`@ofiuco//python/version:<v>`, `--@ofiuco//python/config:python_version=<v>`).\n",
    ));
    let _ = writeln!(out, "PYTHONS = [{}]\n", list(&pythons));
    out.push_str(
        "# Linux C libraries (`@ofiuco//python/libc:<libc>`): a glibc ceiling, or musl.\n",
    );
    let _ = writeln!(out, "LIBCS = [{}]\n", list(&libcs));
    out.push_str(concat!(
        "# Index -> (id, Python version, @platforms//os, @platforms//cpu, libc or \"\").\n",
        "# Hubs name environments by index; `//python/envs:<id>` are their config_settings.\n",
        "ENVS = [\n",
    ));
    for env in &envs {
        let _ = writeln!(
            out,
            "    ({:?}, {:?}, {:?}, {:?}, {:?}),",
            env.key(),
            env.python_name(),
            os_name(env),
            cpu_name(env),
            libc_name(env)
        );
    }
    out.push_str("]\n");
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The checked-in table is the rendered one (`OFIUCO_UPDATE=1` rewrites it).
    #[test]
    fn envs_table_is_current() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../python/private/envs_table.bzl");
        let want = super::render_env_table();
        if std::env::var_os("OFIUCO_UPDATE").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "{} is stale: run tools/dev/update_snapshots.sh (or OFIUCO_UPDATE=1 cargo test -p ofiuco-hub envs_table)",
            path.display()
        );
    }
}
