//! Optimal alphabetic binary trees (Garsia–Wachs): leaves stay in order, the weighted sum of
//! leaf depths is minimal. The number dispatch uses it so that common syscalls sit shallow.

/// The depth of each leaf in an optimal alphabetic tree over `weights` (all > 0).
pub fn leaf_depths(weights: &[f64]) -> Vec<u32> {
    let n = weights.len();
    if n <= 1 {
        return vec![0; n];
    }
    // Phase 1: combine. Items are (weight, tree); trees are indices into `nodes`.
    #[derive(Clone, Copy)]
    enum T {
        Leaf(usize),
        Join(usize, usize),
    }
    let mut nodes: Vec<T> = (0..n).map(T::Leaf).collect();
    let mut work: Vec<(f64, usize)> = weights.iter().copied().zip(0..n).collect();
    while work.len() > 1 {
        // The first j with w[j-1] <= w[j+1] (w[len] = infinity): combine j-1 and j.
        let len = work.len();
        let j =
            (1..len).find(|&j| j + 1 >= len || work[j - 1].0 <= work[j + 1].0).expect("the last j always qualifies");
        let (a, b) = (work[j - 1], work[j]);
        nodes.push(T::Join(a.1, b.1));
        let joined = (a.0 + b.0, nodes.len() - 1);
        work.drain(j - 1..=j);
        // Move the new item left past every smaller weight.
        let mut k = j - 1;
        while k > 0 && work[k - 1].0 < joined.0 {
            k -= 1;
        }
        work.insert(k, joined);
    }
    // Phase 2: leaf depths in the combination tree.
    let mut depths = vec![0u32; n];
    let mut stack = vec![(work[0].1, 0u32)];
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
        for n in 1..14 {
            for _ in 0..20 {
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
