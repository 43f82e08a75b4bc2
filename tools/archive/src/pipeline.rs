//! Work on several threads, results in order, memory bounded.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Condvar, Mutex, MutexGuard};

use crate::ArchiveError;

/// The thread count for `requested` (0: the available parallelism) and `n`
/// items.
pub(crate) fn thread_count(requested: usize, n: usize) -> usize {
    match requested {
        0 => std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        t => t,
    }
    .clamp(1, n.max(1))
}

struct State {
    /// The next item to hand out.
    next: usize,
    /// The costs of the items handed out and not yet consumed by the sink.
    in_flight: u64,
    stop: bool,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A worker never panics while holding the lock; ignore poisoning anyway.
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs `work(0..n)` on up to `threads` workers and hands the results to
/// `sink` in index order, on the calling thread. The first error in index
/// order is returned, so errors are deterministic; the workers stop soon
/// after.
///
/// Memory: an item is handed out only while the costs of the items handed
/// out but not yet sunk stay within `budget` (an item costing more runs when
/// nothing else is in flight), so results waiting for an earlier, slower one
/// never add up to more than `budget`.
///
/// A worker thread that cannot be started (a process or memory limit) is one
/// fewer; with none, everything runs on the calling thread. A panic in
/// `work` is an error, not a panic.
pub(crate) fn run_ordered<T: Send>(
    n: usize,
    threads: usize,
    budget: u64,
    cost: &(dyn Fn(usize) -> u64 + Sync),
    work: &(dyn Fn(usize) -> Result<T, ArchiveError> + Sync),
    sink: &mut dyn FnMut(usize, T) -> Result<(), ArchiveError>,
) -> Result<(), ArchiveError> {
    let guarded = |i: usize| -> Result<T, ArchiveError> {
        catch_unwind(AssertUnwindSafe(|| work(i))).unwrap_or(Err(ArchiveError::WorkerPanicked))
    };
    if threads <= 1 || n <= 1 {
        return sequential(n, &guarded, sink);
    }
    let state = Mutex::new(State {
        next: 0,
        in_flight: 0,
        stop: false,
    });
    let freed = Condvar::new();
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, u64, Result<T, ArchiveError>)>();
        let mut handles = Vec::with_capacity(threads);
        for _ in 0..threads {
            let tx = tx.clone();
            let (state, freed, guarded) = (&state, &freed, &guarded);
            let worker = move || loop {
                let (i, c) = {
                    let mut s = lock(state);
                    let c = loop {
                        if s.stop || s.next >= n {
                            return;
                        }
                        let c = cost(s.next);
                        if s.in_flight == 0 || s.in_flight.saturating_add(c) <= budget {
                            break c;
                        }
                        s = freed
                            .wait(s)
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                    };
                    let i = s.next;
                    s.next += 1;
                    s.in_flight = s.in_flight.saturating_add(c);
                    (i, c)
                };
                if tx.send((i, c, guarded(i))).is_err() {
                    return;
                }
            };
            match std::thread::Builder::new().spawn_scoped(scope, worker) {
                Ok(handle) => handles.push(handle),
                Err(_) => break,
            }
        }
        drop(tx);
        if handles.is_empty() {
            drop(rx);
            return sequential(n, &guarded, sink);
        }
        let mut pending = BTreeMap::new();
        let mut expected = 0;
        let result = (|| {
            for (i, c, result) in &rx {
                pending.insert(i, (c, result));
                while let Some((c, result)) = pending.remove(&expected) {
                    sink(expected, result?)?;
                    expected += 1;
                    let mut s = lock(&state);
                    s.in_flight = s.in_flight.saturating_sub(c);
                    drop(s);
                    freed.notify_all();
                }
            }
            if expected < n {
                // Every worker is gone, but items are missing.
                return Err(ArchiveError::WorkerPanicked);
            }
            Ok(())
        })();
        lock(&state).stop = true;
        freed.notify_all();
        drop(rx);
        let mut joined = Ok(());
        for handle in handles {
            if handle.join().is_err() {
                joined = Err(ArchiveError::WorkerPanicked);
            }
        }
        result.and(joined)
    })
}

fn sequential<T>(
    n: usize,
    work: &dyn Fn(usize) -> Result<T, ArchiveError>,
    sink: &mut dyn FnMut(usize, T) -> Result<(), ArchiveError>,
) -> Result<(), ArchiveError> {
    for i in 0..n {
        sink(i, work(i)?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn reports_first_error_in_order() {
        let mut seen = Vec::new();
        let result = run_ordered(
            100,
            2,
            u64::MAX,
            &|_| 1,
            &|i| {
                if i == 50 || i == 70 {
                    Err(ArchiveError::NotAFragment {
                        path: PathBuf::from(i.to_string()),
                    })
                } else {
                    Ok(i)
                }
            },
            &mut |i, v| {
                assert_eq!(i, v);
                seen.push(i);
                Ok(())
            },
        );
        assert!(
            matches!(result, Err(ArchiveError::NotAFragment { path }) if path == Path::new("50"))
        );
        assert_eq!(seen, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn keeps_in_flight_costs_within_the_budget() {
        // Item 0 is slow; without the budget, the others would pile up.
        let in_flight = AtomicU64::new(0);
        let peak = AtomicU64::new(0);
        let mut out = Vec::new();
        run_ordered(
            200,
            4,
            10,
            &|i| if i == 5 { 25 } else { 3 },
            &|i| {
                if i == 0 {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                let c = if i == 5 { 25 } else { 3 };
                let now = in_flight.fetch_add(c, Ordering::SeqCst) + c;
                peak.fetch_max(now, Ordering::SeqCst);
                Ok(c)
            },
            &mut |i, c| {
                in_flight.fetch_sub(c, Ordering::SeqCst);
                out.push(i);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(out, (0..200).collect::<Vec<_>>());
        // Three items of 3, or item 5 alone.
        assert!(peak.load(Ordering::SeqCst) <= 25, "{peak:?}");
    }

    #[test]
    fn a_panic_is_an_error() {
        let result = run_ordered(
            10,
            2,
            u64::MAX,
            &|_| 1,
            &|i| if i == 3 { panic!("boom") } else { Ok(i) },
            &mut |_, _| Ok(()),
        );
        assert!(matches!(result, Err(ArchiveError::WorkerPanicked)));
        let result = run_ordered(
            10,
            1,
            u64::MAX,
            &|_| 1,
            &|i| if i == 3 { panic!("boom") } else { Ok(i) },
            &mut |_, _| Ok(()),
        );
        assert!(matches!(result, Err(ArchiveError::WorkerPanicked)));
    }
}
