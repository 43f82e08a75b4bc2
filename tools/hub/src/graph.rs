//! Dependency cycles. Bazel targets cannot form cycles, but Python packages can
//! (A needs B needs A). Each strongly connected component of more than one
//! package becomes a group target `_cycle.N` that depends on all members; edges
//! into the component point at the group, edges inside it are left out. Anyone
//! who depends on one member so gets every member and all their dependencies.

use ofiuco_lock::Lock;

use crate::Edge;

pub(crate) struct Graph {
    /// Package index -> group name, for members of a cycle.
    group: Vec<Option<String>>,
    cycles: Vec<(String, Vec<usize>)>,
}

impl Graph {
    pub(crate) fn new(n: usize, edges: &[Vec<Edge>]) -> Self {
        let adjacency: Vec<Vec<usize>> = edges
            .iter()
            .map(|es| {
                let mut targets: Vec<usize> = es
                    .iter()
                    .filter(|e| !e.dep.optional && !e.envs.is_empty())
                    .flat_map(|e| e.targets.iter().copied())
                    .collect();
                targets.sort_unstable();
                targets.dedup();
                targets
            })
            .collect();
        let components = tarjan(n, &adjacency);
        let mut group = vec![None; n];
        let mut cycles = Vec::new();
        for mut members in components.into_iter().filter(|c| c.len() > 1) {
            members.sort_unstable();
            let name = format!("_cycle.{}", cycles.len() + 1);
            for &m in &members {
                group[m] = Some(name.clone());
            }
            cycles.push((name, members));
        }
        Self { group, cycles }
    }

    pub(crate) fn group_of(&self, i: usize) -> Option<&str> {
        self.group.get(i).and_then(|g| g.as_deref())
    }

    pub(crate) fn cycles(&self) -> &[(String, Vec<usize>)] {
        &self.cycles
    }

    pub(crate) fn dropped_comments(&self, i: usize, lock: &Lock) -> Vec<String> {
        let Some(name) = self.group_of(i) else {
            return Vec::new();
        };
        let members = &self
            .cycles
            .iter()
            .find(|(n, _)| n == name)
            .expect("group exists")
            .1;
        let names: Vec<String> = members
            .iter()
            .map(|m| format!("{} {}", lock.packages[*m].name, lock.packages[*m].version))
            .collect();
        vec![format!(
            "In a dependency cycle ({}): its edges inside the cycle go through :{name}.",
            names.join(", ")
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
