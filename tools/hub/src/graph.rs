//! Dependency cycles. Bazel targets cannot form cycles, but Python packages can
//! (A needs B needs A). Each strongly connected component of more than one
//! package becomes a group target `_cycle.N` that depends on all members; edges
//! into the component point at the group, edges inside it are left out. Anyone
//! who depends on one member so gets every member and all their dependencies.
//!
//! The members are listed once, in the group target; each member's comment
//! names the group only, so the text stays linear in the size of the cycle.

use std::collections::{BTreeMap, HashMap};

use crate::{Edge, Target};

pub(crate) struct Graph {
    /// Package index -> index into `cycles`, for members of a cycle.
    group: Vec<Option<usize>>,
    cycles: Vec<(String, Vec<usize>)>,
}

impl Graph {
    /// `by_name` lists every name's package indices; an edge to several
    /// versions of a name goes through one extra node per name, linked to
    /// all of them, so that the graph stays linear in the lock (each package
    /// has one edge per dependency) and its cycles among packages are those
    /// of edges to every version.
    pub(crate) fn new(by_name: &BTreeMap<String, Vec<usize>>, edges: &[Vec<Edge>]) -> Self {
        let n = edges.len();
        let names: HashMap<&str, usize> = by_name
            .keys()
            .enumerate()
            .map(|(i, name)| (name.as_str(), n + i))
            .collect();
        let mut adjacency: Vec<Vec<usize>> = edges
            .iter()
            .map(|es| {
                let mut targets: Vec<usize> = es
                    .iter()
                    .filter(|e| !e.dep.optional && !e.envs.is_empty())
                    .filter_map(|e| match e.target {
                        Target::One(t) => Some(t),
                        Target::Several => names.get(e.dep.name.as_str()).copied(),
                    })
                    .collect();
                targets.sort_unstable();
                targets.dedup();
                targets
            })
            .collect();
        adjacency.extend(by_name.values().cloned());
        let components = tarjan(adjacency.len(), &adjacency);
        let mut group = vec![None; n];
        let mut cycles = Vec::new();
        for mut members in components {
            // Name nodes are not members.
            members.retain(|&m| m < n);
            if members.len() < 2 {
                continue;
            }
            members.sort_unstable();
            let name = format!("_cycle.{}", cycles.len() + 1);
            for &m in &members {
                group[m] = Some(cycles.len());
            }
            cycles.push((name, members));
        }
        Self { group, cycles }
    }

    pub(crate) fn group_of(&self, i: usize) -> Option<&str> {
        let cycle = (*self.group.get(i)?)?;
        Some(self.cycles[cycle].0.as_str())
    }

    pub(crate) fn cycles(&self) -> &[(String, Vec<usize>)] {
        &self.cycles
    }

    /// The comment of a member of a cycle: which group it is in, not who else is.
    pub(crate) fn dropped_comments(&self, i: usize) -> Vec<String> {
        let Some(cycle) = self.group.get(i).copied().flatten() else {
            return Vec::new();
        };
        let (name, members) = &self.cycles[cycle];
        vec![format!(
            "In a dependency cycle of {} packages, the deps of :{name}: its edges inside the cycle go through :{name}.",
            members.len()
        )]
    }
}

/// Strongly connected components (Tarjan), iteratively so deep graphs cannot overflow the stack.
fn tarjan(n: usize, adjacency: &[Vec<usize>]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut components = Vec::new();
    let mut next = 0;
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some((v, child)) = work.pop() {
            if child == 0 {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = adjacency[v].get(child) {
                work.push((v, child + 1));
                if index[w] == UNSEEN {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            // All children done: propagate to the parent, maybe close a component.
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                components.push(component);
            }
        }
    }
    components
}

#[cfg(test)]
mod tests {
    use super::tarjan;

    #[test]
    fn finds_cycles_and_singletons() {
        // 0 -> 1 -> 2 -> 0, 2 -> 3, 3 -> 4 -> 3
        let adjacency = vec![vec![1], vec![2], vec![0, 3], vec![4], vec![3]];
        let mut components: Vec<Vec<usize>> = tarjan(5, &adjacency)
            .into_iter()
            .map(|mut c| {
                c.sort_unstable();
                c
            })
            .collect();
        components.sort();
        assert_eq!(components, vec![vec![0, 1, 2], vec![3, 4]]);
    }

    #[test]
    fn self_edges_and_dags_have_no_cycles() {
        let adjacency = vec![vec![1, 2], vec![2], vec![]];
        assert!(tarjan(3, &adjacency).iter().all(|c| c.len() == 1));
    }
}
