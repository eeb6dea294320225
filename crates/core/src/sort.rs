//! Stable sorting through a single copy of std's sort.
//!
//! Every `sort_by` call site is a copy of std's stable sort for its element and comparator
//! types, some 3.5 KB of wasm each: the app's first load held 22, most of them for Linli's
//! own lists. Here the sort runs once, over positions, with the comparison behind a `dyn`;
//! only the small generic shims below are copied per type. The cost is some 20 µs on help's
//! 5,000 requests (`cargo bench -p linli-core --bench help -- sort`: 98 µs against std's 76).

use std::cmp::Ordering;

/// Sorts `v` by `cmp`, keeping equal elements in their order, as `slice::sort_by` does.
pub fn by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let order = positions(v.len(), &mut |a, b| cmp(&v[a], &v[b]));
    apply(order, &mut |a, b| v.swap(a, b));
}

/// Sorts `v` by the key `key` gives each element, keeping equal keys in their order.
pub fn by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    by(v, |a, b| key(a).cmp(&key(b)));
}

/// The positions `0..n` in the order `cmp` puts them.
fn positions(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<u32> {
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by(|&a, &b| cmp(a as usize, b as usize));
    order
}

/// Moves every element to its place (the i-th becomes what was at `order[i]`), one cycle of
/// the permutation at a time.
fn apply(mut order: Vec<u32>, swap: &mut dyn FnMut(usize, usize)) {
    const DONE: u32 = u32::MAX;
    for start in 0..order.len() {
        let mut i = start;
        while order[i] != DONE {
            let from = order[i] as usize;
            order[i] = DONE;
            if from == start {
                break;
            }
            swap(i, from);
            i = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The same result as std's stable sort, ties included: pairs are sorted by their
        /// first half only, so the second half shows any change in the order of equals.
        #[test]
        fn sorts_as_std_stable_sort(mut v in prop::collection::vec((0u8..8, any::<u16>()), 0..200)) {
            let mut expected = v.clone();
            expected.sort_by_key(|a| a.0);
            by(&mut v, |a, b| a.0.cmp(&b.0));
            prop_assert_eq!(v, expected);
        }

        #[test]
        fn by_key_sorts_as_std_sort_by_key(mut v in prop::collection::vec(any::<i32>(), 0..200)) {
            let mut expected = v.clone();
            expected.sort_by_key(|x| x.rem_euclid(7));
            by_key(&mut v, |x| x.rem_euclid(7));
            prop_assert_eq!(v, expected);
        }
    }

    #[test]
    fn a_reversed_list_and_single_elements() {
        let mut v: Vec<u32> = (0..1000).rev().collect();
        by(&mut v, u32::cmp);
        assert!(v.windows(2).all(|w| w[0] < w[1]));
        let mut one = vec![String::from("一")];
        by(&mut one, String::cmp);
        assert_eq!(one, ["一"]);
        let mut none: Vec<u8> = Vec::new();
        by(&mut none, u8::cmp);
        assert!(none.is_empty());
    }
}
