//! The target environments a hub chooses for, and per-environment answers as bit sets.

use std::cell::RefCell;
use std::collections::HashMap;
use std::str::FromStr;

use ofiuco_spec::{standard_envs, TargetEnv};
use pep508_rs::{ExtraName, MarkerEnvironment, MarkerTree, MarkerTreeKind};

pub use crate::envset::EnvSet;

/// The environments of every hub: [`standard_envs`], in the order of
/// `python/private/envs_table.bzl`, whose indices hubs use.
pub struct EnvTable {
    envs: Vec<TargetEnv>,
    markers: Vec<MarkerEnvironment>,
    /// Marker trees are interned: equal trees evaluate alike.
    cache: RefCell<HashMap<MarkerTree, EnvSet>>,
    /// Extra -> marker -> set, for markers evaluated with an extra selected.
    extra_cache: RefCell<HashMap<String, HashMap<MarkerTree, EnvSet>>>,
    indices: RefCell<HashMap<EnvSet, String>>,
    /// Marker -> the extras it tests.
    extras_tested: RefCell<HashMap<MarkerTree, Vec<String>>>,
}

impl Default for EnvTable {
    fn default() -> Self {
        Self::new()
    }
}

impl EnvTable {
    pub fn new() -> Self {
        let envs = standard_envs();
        Self {
            markers: envs.iter().map(TargetEnv::marker_environment).collect(),
            envs,
            cache: RefCell::new(HashMap::new()),
            extra_cache: RefCell::new(HashMap::new()),
            indices: RefCell::new(HashMap::new()),
            extras_tested: RefCell::new(HashMap::new()),
        }
    }

    pub fn envs(&self) -> &[TargetEnv] {
        &self.envs
    }

    /// Every environment.
    pub fn all(&self) -> EnvSet {
        EnvSet::full(self.envs.len())
    }

    /// No environment.
    pub fn none(&self) -> EnvSet {
        EnvSet::empty(self.envs.len())
    }

    /// Where `marker` holds (with `extra` selected, if any); no marker holds everywhere.
    pub fn eval(&self, marker: Option<&MarkerTree>, extra: Option<&str>) -> EnvSet {
        let Some(marker) = marker else {
            return self.all();
        };
        if marker.is_true() {
            return self.all();
        }
        let cached = match extra {
            None => self.cache.borrow().get(marker).cloned(),
            Some(extra) => self
                .extra_cache
                .borrow()
                .get(extra)
                .and_then(|m| m.get(marker))
                .cloned(),
        };
        if let Some(set) = cached {
            return set;
        }
        let extras: Vec<ExtraName> = extra
            .and_then(|e| ExtraName::from_str(e).ok())
            .into_iter()
            .collect();
        // A marker that does not test this extra evaluates as without it (and
        // is then most likely cached already).
        let tests_extra = extras
            .first()
            .is_some_and(|name| marker.clone().simplify_extras_with(|e| e == name) != *marker);
        let set = if extra.is_some() && !tests_extra {
            self.eval(Some(marker), None)
        } else {
            let mut set = self.none();
            for (i, env) in self.markers.iter().enumerate() {
                if marker.evaluate(env, &extras) {
                    set.insert(i);
                }
            }
            set
        };
        match extra {
            None => {
                self.cache.borrow_mut().insert(marker.clone(), set.clone());
            }
            Some(extra) => {
                self.extra_cache
                    .borrow_mut()
                    .entry(extra.to_string())
                    .or_default()
                    .insert(marker.clone(), set.clone());
            }
        }
        set
    }

    /// Where `marker` holds with no extra or with any one extra for which
    /// `is_extra` (given the normalized name) holds. Only the extras the
    /// marker tests are evaluated: with any other, it evaluates as with none.
    pub fn eval_any_extra(&self, marker: &MarkerTree, is_extra: impl Fn(&str) -> bool) -> EnvSet {
        let mut set = self.eval(Some(marker), None);
        if marker.is_true() {
            return set;
        }
        for extra in self.extras_tested(marker) {
            if is_extra(&extra) {
                set |= self.eval(Some(marker), Some(&extra));
            }
        }
        set
    }

    /// The (normalized) extras that `marker` tests, each once.
    fn extras_tested(&self, marker: &MarkerTree) -> Vec<String> {
        if let Some(found) = self.extras_tested.borrow().get(marker) {
            return found.clone();
        }
        let mut found: Vec<String> = Vec::new();
        // The tree is a decision diagram: shared nodes are visited once.
        let mut seen: std::collections::HashSet<MarkerTree> = std::collections::HashSet::new();
        let mut stack = vec![marker.clone()];
        while let Some(node) = stack.pop() {
            if !seen.insert(node.clone()) {
                continue;
            }
            match node.kind() {
                MarkerTreeKind::True | MarkerTreeKind::False => {}
                MarkerTreeKind::Version(v) => stack.extend(v.edges().map(|(_, m)| m)),
                MarkerTreeKind::String(v) => stack.extend(v.children().map(|(_, m)| m)),
                MarkerTreeKind::In(v) => stack.extend(v.children().map(|(_, m)| m)),
                MarkerTreeKind::Contains(v) => stack.extend(v.children().map(|(_, m)| m)),
                MarkerTreeKind::Extra(v) => {
                    let name = v.name().to_string();
                    if !found.contains(&name) {
                        found.push(name);
                    }
                    stack.extend(v.children().map(|(_, m)| m));
                }
            }
        }
        self.extras_tested
            .borrow_mut()
            .insert(marker.clone(), found.clone());
        found
    }

    /// The indices of a set as a Starlark list expression: `[3, 7]`, with runs
    /// written as ranges: `list(range(0, 21)) + [30]`.
    pub fn indices(&self, set: &EnvSet) -> String {
        if let Some(text) = self.indices.borrow().get(set) {
            return text.clone();
        }
        let text = format_indices(set);
        self.indices.borrow_mut().insert(set.clone(), text.clone());
        text
    }
}

/// [`EnvTable::indices`].
pub(crate) fn format_indices(set: &EnvSet) -> String {
    let mut parts = Vec::new();
    let mut singles = Vec::new();
    let mut ones = set.ones().peekable();
    while let Some(start) = ones.next() {
        let mut i = start + 1;
        while ones.peek() == Some(&i) {
            ones.next();
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
