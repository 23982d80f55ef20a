//! Optimal alphabetic binary trees (Garsia–Wachs): leaves stay in order, the weighted sum of
//! leaf depths is minimal. The number dispatch uses it so that common syscalls sit shallow.

/// The depth of each leaf in an optimal alphabetic tree over `weights` (all > 0).
pub fn leaf_depths(weights: &[f64]) -> Vec<u32> {
    let n = weights.len();
    if n <= 1 {
        return vec![0; n];
    }
    // Phase 1: combine. The working sequence is a doubly linked list over `w`/`tree` slots
    // (combined items get new slots), so removing and re-inserting costs no shifting.
    #[derive(Clone, Copy)]
    enum T {
        Leaf(usize),
        Join(usize, usize),
    }
    const NONE: usize = usize::MAX;
    let mut nodes: Vec<T> = (0..n).map(T::Leaf).collect();
    let mut w: Vec<f64> = weights.to_vec();
    let mut tree: Vec<usize> = (0..n).collect();
    let mut prev: Vec<usize> = (0..n).map(|i| if i == 0 { NONE } else { i - 1 }).collect();
    let mut next: Vec<usize> = (0..n).map(|i| if i + 1 == n { NONE } else { i + 1 }).collect();
    let mut head = 0;
    let mut len = n;
    // Where to look for the next pair: items left of it cannot qualify.
    let mut cursor = head;
    while len > 1 {
        // The first adjacent pair (a, b) with w[a] <= w[item after b] (infinite past the end).
        let mut a = if prev[cursor] == NONE { cursor } else { prev[cursor] };
        loop {
            let b = next[a];
            let after = next[b];
            if after == NONE || w[a] <= w[after] {
                break;
            }
            a = b;
        }
        let b = next[a];
        nodes.push(T::Join(tree[a], tree[b]));
        let joined = w[a] + w[b];
        // Unlink a and b.
        let (left, right) = (prev[a], next[b]);
        if left == NONE {
            head = right
        } else {
            next[left] = right
        }
        if right != NONE {
            prev[right] = left;
        }
        // Move left past every smaller weight, then link the new slot in.
        let mut at = left;
        while at != NONE && w[at] < joined {
            at = prev[at];
        }
        let slot = w.len();
        w.push(joined);
        tree.push(nodes.len() - 1);
        let after_at = if at == NONE { head } else { next[at] };
        prev.push(at);
        next.push(after_at);
        if at == NONE {
            head = slot
        } else {
            next[at] = slot
        }
        if after_at != NONE {
            prev[after_at] = slot;
        }
        len -= 1;
        cursor = if at == NONE { head } else { at };
    }
    let root = tree[head];
    // Phase 2: leaf depths in the combination tree.
    let mut depths = vec![0u32; n];
    let mut stack = vec![(root, 0u32)];
    while let Some((id, d)) = stack.pop() {
        match nodes[id] {
            T::Leaf(i) => depths[i] = d,
            T::Join(l, r) => {
                stack.push((l, d + 1));
                stack.push((r, d + 1));
            }
        }
    }
    depths
}

/// Builds the alphabetic tree with the given leaf depths, calling `join(left, right)` for each
/// inner node (left to right, bottom up). Depths must come from [`leaf_depths`].
pub fn build<T: Copy>(leaves: &[T], depths: &[u32], mut join: impl FnMut(T, T) -> T) -> T {
    let mut stack: Vec<(T, u32)> = Vec::new();
    for (&leaf, &d) in leaves.iter().zip(depths) {
        stack.push((leaf, d));
        while stack.len() >= 2 && stack[stack.len() - 1].1 == stack[stack.len() - 2].1 {
            let (right, d) = stack.pop().expect("two items");
            let (left, _) = stack.pop().expect("two items");
            stack.push((join(left, right), d.saturating_sub(1)));
        }
    }
    // Depths from Garsia–Wachs always reduce to one root; fold any rest defensively.
    let mut root = stack.pop().expect("at least one leaf").0;
    while let Some((left, _)) = stack.pop() {
        root = join(left, root);
    }
    root
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Optimal cost by dynamic programming, for checking.
    fn brute_force(w: &[f64]) -> f64 {
        let n = w.len();
        let mut cost = vec![vec![0.0f64; n]; n];
        for len in 2..=n {
            for i in 0..=n - len {
                let j = i + len - 1;
                let sum: f64 = w[i..=j].iter().sum();
                cost[i][j] = (i..j).map(|k| cost[i][k] + cost[k + 1][j]).fold(f64::INFINITY, f64::min) + sum;
            }
        }
        cost[0][n - 1]
    }

    #[test]
    fn matches_the_dynamic_programme() {
        let mut seed = 12345u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as f64 / f64::from(u32::MAX) * 100.0 + 0.01
        };
        for n in 1..40 {
            for _ in 0..8 {
                let w: Vec<f64> = (0..n).map(|_| next()).collect();
                let d = leaf_depths(&w);
                let cost: f64 = w.iter().zip(&d).map(|(w, d)| w * f64::from(*d)).sum();
                assert!((cost - brute_force(&w)).abs() < 1e-6, "{w:?}: {cost} vs {}", brute_force(&w));
                // The depths must build one tree (Kraft equality).
                let kraft: f64 = d.iter().map(|&d| 0.5f64.powi(d as i32)).sum();
                assert!((kraft - 1.0).abs() < 1e-9 || n == 1);
                let leaves: Vec<usize> = (0..n).collect();
                let root = build(&leaves, &d, |a, _| a);
                assert_eq!(root, 0);
            }
        }
    }

    #[test]
    fn equal_weights_give_a_balanced_tree() {
        let d = leaf_depths(&[1.0; 8]);
        assert_eq!(d, vec![3; 8]);
    }
}
