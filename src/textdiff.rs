//! Line diffs for people: `scimshim test` shows expected against actual,
//! `scimshim explain` shows a value before and after a rule. Pure; one
//! implementation for both.

/// One line of a diff, or a run of unchanged lines left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    Same(&'a str),
    Removed(&'a str),
    Added(&'a str),
    /// This many unchanged lines, left out by [`collapse`].
    Skipped(usize),
}

/// Above this many cells (`before` lines times `after` lines, once their
/// common first and last lines are cut) no common lines are searched for:
/// both sides are shown whole.
const MAX_LCS_CELLS: usize = 4_000_000;

/// A line diff of `before` and `after` by longest common subsequence, after
/// cutting their common first and last lines. Where several alignments are
/// as long, removals come before additions.
pub fn lines<'a>(before: &[&'a str], after: &[&'a str]) -> Vec<Line<'a>> {
    let head = before.iter().zip(after).take_while(|(a, b)| a == b).count();
    let tail = before
        .iter()
        .rev()
        .zip(after.iter().rev())
        .take(before.len().min(after.len()) - head)
        .take_while(|(a, b)| a == b)
        .count();
    let a = before.get(head..before.len() - tail).unwrap_or_default();
    let b = after.get(head..after.len() - tail).unwrap_or_default();
    let mut out: Vec<Line<'a>> = before.iter().take(head).map(|l| Line::Same(l)).collect();
    if a.len().saturating_mul(b.len()) > MAX_LCS_CELLS {
        out.extend(a.iter().map(|l| Line::Removed(l)));
        out.extend(b.iter().map(|l| Line::Added(l)));
    } else {
        out.extend(lcs(a, b));
    }
    out.extend(
        before
            .get(before.len() - tail..)
            .unwrap_or_default()
            .iter()
            .map(|l| Line::Same(l)),
    );
    out
}

/// The classic dynamic programme: `len[i][j]` is the LCS length of `a[i..]`
/// and `b[j..]`, kept in one flat vector.
fn lcs<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<Line<'a>> {
    let width = b.len() + 1;
    let mut len = vec![0u32; (a.len() + 1) * width];
    let at = |i: usize, j: usize| i * width + j;
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            let v = if a.get(i) == b.get(j) {
                len.get(at(i + 1, j + 1)).copied().unwrap_or(0) + 1
            } else {
                let down = len.get(at(i + 1, j)).copied().unwrap_or(0);
                let right = len.get(at(i, j + 1)).copied().unwrap_or(0);
                down.max(right)
            };
            if let Some(cell) = len.get_mut(at(i, j)) {
                *cell = v;
            }
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len() + b.len());
    while let (Some(&x), Some(&y)) = (a.get(i), b.get(j)) {
        if x == y {
            out.push(Line::Same(x));
            i += 1;
            j += 1;
        } else if len.get(at(i + 1, j)) >= len.get(at(i, j + 1)) {
            out.push(Line::Removed(x));
            i += 1;
        } else {
            out.push(Line::Added(y));
            j += 1;
        }
    }
    out.extend(a.iter().skip(i).map(|l| Line::Removed(l)));
    out.extend(b.iter().skip(j).map(|l| Line::Added(l)));
    out
}

/// Replaces each run of unchanged lines farther than `context` lines from
/// every change with one [`Line::Skipped`].
pub fn collapse(lines: Vec<Line<'_>>, context: usize) -> Vec<Line<'_>> {
    let changed: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| matches!(l, Line::Removed(_) | Line::Added(_)))
        .map(|(i, _)| i)
        .collect();
    let near = |i: usize| changed.iter().any(|&c| c.abs_diff(i) <= context);
    let mut out = Vec::with_capacity(lines.len());
    let mut skipped = 0;
    for (i, line) in lines.into_iter().enumerate() {
        if matches!(line, Line::Same(_)) && !near(i) {
            skipped += 1;
            continue;
        }
        if skipped > 0 {
            out.push(Line::Skipped(skipped));
            skipped = 0;
        }
        out.push(line);
    }
    if skipped > 0 {
        out.push(Line::Skipped(skipped));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_lines_stay_and_far_ones_collapse() {
        let a = ["a", "b", "c", "d", "e", "f", "g"];
        let b = ["a", "b", "c", "d", "e", "X", "g"];
        assert_eq!(
            collapse(lines(&a, &b), 1),
            [
                Line::Skipped(4),
                Line::Same("e"),
                Line::Removed("f"),
                Line::Added("X"),
                Line::Same("g"),
            ]
        );
        assert_eq!(
            lines(&["a", "b"], &["b", "c"]),
            [Line::Removed("a"), Line::Same("b"), Line::Added("c")]
        );
        // Nothing changed: nothing is near a change.
        assert_eq!(
            collapse(lines(&["a", "b"], &["a", "b"]), 3),
            [Line::Skipped(2)]
        );
    }
}
