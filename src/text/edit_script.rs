//! The shortest edit script between two sequences (Myers' greedy algorithm): which items are
//! kept, removed and inserted. Time (old + new) x changes, so an edit of a few items of a long
//! sequence (a rule of a 5,000-rule profile, a line of a 75,000-line file) costs little; a
//! table of the longest common subsequence costs old x new (74 MB and half a second there).

/// One step of a script, with indexes into the old and new sequences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Keep(usize, usize),
    Remove(usize),
    Insert(usize),
}

/// The script turning `n` old items into `m` new ones (`same(i, j)`: old item `i` equals new
/// item `j`), in order; `None` when it needs more than `max_changes` removals and insertions
/// (the work is bounded by `max_changes` x (`n` + `m`) comparisons).
pub fn shortest_script(
    n: usize,
    m: usize,
    max_changes: usize,
    same: impl Fn(usize, usize) -> bool,
) -> Option<Vec<Edit>> {
    let (n_i, m_i) = (n as isize, m as isize);
    let offset = (n + m + 1) as isize;
    // x reached on each diagonal k = x - y, at index k + offset; `trace[d]` keeps the
    // diagonals -(d+1)..=d+1 as they were before step d, to walk back from the end.
    let mut v = vec![0isize; 2 * (n + m) + 3];
    let mut trace: Vec<Vec<isize>> = Vec::new();
    for d in 0..=max_changes.min(n + m) as isize {
        trace.push(v[(offset - d - 1) as usize..=(offset + d + 1) as usize].to_vec());
        for k in (-d..=d).step_by(2) {
            let at = |k: isize| (k + offset) as usize;
            let mut x =
                if k == -d || (k != d && v[at(k - 1)] < v[at(k + 1)]) { v[at(k + 1)] } else { v[at(k - 1)] + 1 };
            let mut y = x - k;
            while x < n_i && y < m_i && same(x as usize, y as usize) {
                (x, y) = (x + 1, y + 1);
            }
            v[at(k)] = x;
            if x >= n_i && y >= m_i {
                return Some(walk_back(&trace, n_i, m_i));
            }
        }
    }
    None
}

/// The script from the end back to the start through the diagonals each step reached.
fn walk_back(trace: &[Vec<isize>], n: isize, m: isize) -> Vec<Edit> {
    let (mut x, mut y) = (n, m);
    let mut out = Vec::new();
    for (d, v) in trace.iter().enumerate().rev() {
        let d = d as isize;
        let at = |k: isize| v[(k + d + 1) as usize];
        let k = x - y;
        let previous = if k == -d || (k != d && at(k - 1) < at(k + 1)) { k + 1 } else { k - 1 };
        let (px, py) = (at(previous), at(previous) - previous);
        while x > px && y > py {
            (x, y) = (x - 1, y - 1);
            out.push(Edit::Keep(x as usize, y as usize));
        }
        if d > 0 {
            out.push(if x == px { Edit::Insert((y - 1) as usize) } else { Edit::Remove((x - 1) as usize) });
        }
        (x, y) = (px, py);
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the longest common subsequence, on random sequences: as many items kept, and
    /// the script turns the old items into the new ones, each old item kept or removed once.
    #[test]
    fn the_script_is_a_shortest_one() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n) as usize
        };
        for _ in 0..2_000 {
            let old: Vec<usize> = (0..next(12)).map(|_| next(4)).collect();
            let new: Vec<usize> = (0..next(12)).map(|_| next(4)).collect();
            let script = shortest_script(old.len(), new.len(), usize::MAX, |i, j| old[i] == new[j]).unwrap();
            let kept = script.iter().filter(|e| matches!(e, Edit::Keep(..))).count();
            assert_eq!(kept, lcs(&old, &new), "{old:?} {new:?} {script:?}");
            let mut rebuilt = Vec::new();
            let mut seen_old = Vec::new();
            for e in &script {
                match *e {
                    Edit::Keep(i, j) => {
                        assert_eq!(old[i], new[j]);
                        rebuilt.push(new[j]);
                        seen_old.push(i);
                    }
                    Edit::Insert(j) => rebuilt.push(new[j]),
                    Edit::Remove(i) => seen_old.push(i),
                }
            }
            assert_eq!(rebuilt, new);
            assert_eq!(seen_old, (0..old.len()).collect::<Vec<_>>(), "old items in order, once each");
        }
    }

    /// More changes than allowed: no script.
    #[test]
    fn a_script_longer_than_the_bound_is_refused() {
        let (old, new) = ([1, 2, 3, 4], [5, 6, 7, 8]);
        assert_eq!(shortest_script(4, 4, 7, |i, j| old[i] == new[j]), None);
        assert_eq!(shortest_script(4, 4, 8, |i, j| old[i] == new[j]).map(|s| s.len()), Some(8));
    }

    fn lcs(a: &[usize], b: &[usize]) -> usize {
        let mut t = vec![vec![0; b.len() + 1]; a.len() + 1];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                t[i][j] = if a[i] == b[j] { t[i + 1][j + 1] + 1 } else { t[i + 1][j].max(t[i][j + 1]) };
            }
        }
        t[0][0]
    }
}
