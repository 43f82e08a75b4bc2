//! The target environments a hub chooses for, and per-environment answers as bit sets.

use std::cell::RefCell;
use std::collections::HashMap;
use std::str::FromStr;

use ofiuco_wheel::{standard_envs, Libc, Os, TagPriority, TargetEnv};
use pep508_rs::{ExtraName, MarkerEnvironment, MarkerTree};
use serde::Serialize;

/// Bit `i` set: the answer holds in environment `i` of the [`EnvTable`].
pub type EnvSet = u128;

/// The environments of a hub: [`standard_envs`], plus the host Python's when
/// it is not among them. At most 128 (an [`EnvSet`]).
pub struct EnvTable {
    envs: Vec<TargetEnv>,
    priorities: Vec<TagPriority>,
    markers: Vec<MarkerEnvironment>,
    cache: RefCell<HashMap<(String, Option<String>), EnvSet>>,
}

#[derive(Serialize)]
pub(crate) struct EnvView {
    key: String,
    python: String,
    constraints: String,
}

impl EnvTable {
    pub fn new(host_python: (u8, u8)) -> Self {
        let mut envs = standard_envs();
        if !envs.iter().any(|e| e.python == host_python) {
            let template: Vec<TargetEnv> = envs
                .iter()
                .filter(|e| e.python == envs[0].python)
                .copied()
                .collect();
            envs.extend(template.into_iter().map(|e| TargetEnv {
                python: host_python,
                ..e
            }));
        }
        assert!(
            envs.len() <= 128,
            "an EnvSet holds at most 128 environments"
        );
        Self {
            priorities: envs.iter().map(TargetEnv::tag_priority).collect(),
            markers: envs.iter().map(TargetEnv::marker_environment).collect(),
            envs,
            cache: RefCell::new(HashMap::new()),
        }
    }

    pub fn envs(&self) -> &[TargetEnv] {
        &self.envs
    }

    pub fn priorities(&self) -> &[TagPriority] {
        &self.priorities
    }

    /// Every environment.
    pub fn all(&self) -> EnvSet {
        if self.envs.len() == 128 {
            u128::MAX
        } else {
            (1u128 << self.envs.len()) - 1
        }
    }

    /// Where `marker` holds (with `extra` selected, if any); no marker holds everywhere.
    pub fn eval(&self, marker: Option<&MarkerTree>, extra: Option<&str>) -> EnvSet {
        let Some(marker) = marker else {
            return self.all();
        };
        let Some(text) = ofiuco_lock::marker_string(marker) else {
            return self.all();
        };
        let key = (text, extra.map(str::to_string));
        if let Some(set) = self.cache.borrow().get(&key) {
            return *set;
        }
        let extras: Vec<ExtraName> = extra
            .and_then(|e| ExtraName::from_str(e).ok())
            .into_iter()
            .collect();
        let mut set = 0;
        for (i, env) in self.markers.iter().enumerate() {
            if marker.evaluate(env, &extras) {
                set |= 1 << i;
            }
        }
        self.cache.borrow_mut().insert(key, set);
        set
    }

    /// The indices of a set as a Starlark list expression: `[3, 7]`, with runs
    /// written as ranges: `list(range(0, 21)) + [30]`.
    pub fn indices(&self, set: EnvSet) -> String {
        let mut parts = Vec::new();
        let mut singles = Vec::new();
        let mut i = 0;
        while i < self.envs.len() {
            if set & (1 << i) == 0 {
                i += 1;
                continue;
            }
            let start = i;
            while i < self.envs.len() && set & (1 << i) != 0 {
                i += 1;
            }
            if i - start >= 3 {
                parts.push(format!("list(range({start}, {i}))"));
            } else {
                singles.extend((start..i).map(|j| j.to_string()));
            }
        }
        if !singles.is_empty() || parts.is_empty() {
            parts.push(format!("[{}]", singles.join(", ")));
        }
        parts.join(" + ")
    }

    pub(crate) fn views(&self) -> Vec<EnvView> {
        self.envs
            .iter()
            .map(|e| EnvView {
                key: e.key(),
                python: format!("{}.{}", e.python.0, e.python.1),
                constraints: constraints(e),
            })
            .collect()
    }
}

/// The Bazel constraint values of an environment's platform.
fn constraints(env: &TargetEnv) -> String {
    let os = match env.os {
        Os::Linux => "linux",
        Os::Macos { .. } => "macos",
        Os::Windows => "windows",
    };
    let cpu = match env.arch {
        ofiuco_wheel::Arch::X86_64 => "x86_64",
        ofiuco_wheel::Arch::Aarch64 => "aarch64",
    };
    let mut values = vec![
        format!("\"@platforms//os:{os}\""),
        format!("\"@platforms//cpu:{cpu}\""),
    ];
    match env.libc {
        Libc::Glibc { major, minor } => {
            values.push(format!("\"@ofiuco//python/libc:glibc_{major}_{minor}\""))
        }
        Libc::Musl { major, minor } => {
            values.push(format!("\"@ofiuco//python/libc:musl_{major}_{minor}\""))
        }
        Libc::None => {}
    }
    format!("[{}]", values.join(", "))
}
