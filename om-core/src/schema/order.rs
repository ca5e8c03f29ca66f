//! Tables ordered by their dependencies: a table after every table it references.

use crate::error::{Error, Result};
use crate::model::TableMeta;

/// The tables `table` references, which must exist before it: its inheritance parent
/// (its key is a foreign key to the parent's) and the tables its foreign keys
/// reference. A reference to `table` itself is no dependency.
pub fn references(table: &TableMeta) -> impl Iterator<Item = &'static TableMeta> + '_ {
    table
        .parent
        .into_iter()
        .chain(table.foreign_keys().map(|(_, fk)| fk.table()))
}

/// `tables` in an order in which each comes after every listed table it
/// [`references`]: the order `create_all` creates them in, and the
/// reverse of the one `drop_all` drops them in.
///
/// The order is otherwise the caller's: a table moves only to follow what it needs.
/// A referenced table that is not listed is not added (it may exist already). Tables
/// are known by name. Tables that reference each other in a cycle are
/// [`Error::DependencyCycle`], naming them.
pub fn creation_order(tables: &[&'static TableMeta]) -> Result<Vec<&'static TableMeta>> {
    let needs: Vec<Vec<usize>> = tables
        .iter()
        .map(|table| {
            references(table)
                .filter(|r| r.name != table.name)
                .flat_map(|r| {
                    tables
                        .iter()
                        .enumerate()
                        .filter(move |(_, t)| t.name == r.name)
                        .map(|(j, _)| j)
                })
                .collect()
        })
        .collect();
    match dependency_order(&needs) {
        Ok(order) => Ok(order.into_iter().map(|i| tables[i]).collect()),
        Err(cycle) => Err(Error::DependencyCycle {
            tables: cycle.into_iter().map(|i| tables[i].name).collect(),
        }),
    }
}

/// The positions `0..needs.len()` ordered so that each comes after the positions it
/// `needs`, and otherwise in increasing order: each in turn, after what it needs that
/// is not placed yet (depth first). A cycle is `Err` with its positions, in the order
/// they need each other, the first repeated at the end.
fn dependency_order(needs: &[Vec<usize>]) -> Result<Vec<usize>, Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        Visiting,
        Placed,
    }
    let mut state = vec![State::New; needs.len()];
    let mut order = Vec::with_capacity(needs.len());
    // The path being visited: a position and how many of its needs are looked at.
    let mut path: Vec<(usize, usize)> = Vec::new();
    for start in 0..needs.len() {
        if state[start] != State::New {
            continue;
        }
        state[start] = State::Visiting;
        path.push((start, 0));
        while let Some((node, next)) = path.last_mut() {
            let node = *node;
            let Some(&need) = needs[node].get(*next) else {
                state[node] = State::Placed;
                order.push(node);
                path.pop();
                continue;
            };
            *next += 1;
            match state.get(need) {
                Some(State::New) => {
                    state[need] = State::Visiting;
                    path.push((need, 0));
                }
                Some(State::Visiting) => {
                    let from = path.iter().position(|(n, _)| *n == need).unwrap_or(0);
                    let mut cycle: Vec<usize> = path[from..].iter().map(|(n, _)| *n).collect();
                    cycle.push(need);
                    return Err(cycle);
                }
                // Placed already, or out of range (not a listed position).
                Some(State::Placed) | None => {}
            }
        }
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ColumnMeta, ColumnType};

    #[test]
    fn independent_positions_keep_their_order() {
        assert_eq!(
            dependency_order(&[vec![], vec![], vec![]]),
            Ok(vec![0, 1, 2])
        );
        assert_eq!(dependency_order(&[]), Ok(vec![]));
    }

    #[test]
    fn a_position_follows_what_it_needs() {
        // 0 needs 1, 1 needs 2 (grandchild, child, parent), 3 is independent.
        let needs = [vec![1], vec![2], vec![], vec![]];
        assert_eq!(dependency_order(&needs), Ok(vec![2, 1, 0, 3]));
        // Already in order: unchanged.
        let needs = [vec![], vec![0], vec![1]];
        assert_eq!(dependency_order(&needs), Ok(vec![0, 1, 2]));
        // Two children of one parent listed last: the children keep their order.
        let needs = [vec![2], vec![2], vec![]];
        assert_eq!(dependency_order(&needs), Ok(vec![2, 0, 1]));
        // A position needed by a later one is placed where it stands.
        let needs = [vec![], vec![3], vec![], vec![]];
        assert_eq!(dependency_order(&needs), Ok(vec![0, 3, 1, 2]));
    }

    #[test]
    fn a_cycle_is_named() {
        assert_eq!(
            dependency_order(&[vec![], vec![2], vec![3], vec![1]]),
            Err(vec![1, 2, 3, 1])
        );
        assert_eq!(dependency_order(&[vec![0]]), Err(vec![0, 0]));
        // Needs out of range are no dependency.
        assert_eq!(dependency_order(&[vec![7]]), Ok(vec![0]));
    }

    const KEY: &[ColumnMeta] = &[ColumnMeta {
        primary_key: true,
        ..ColumnMeta::new("id", "id", ColumnType::BigInt)
    }];

    const fn table(name: &'static str, parent: Option<&'static TableMeta>) -> TableMeta {
        TableMeta {
            name,
            model: name,
            columns: KEY,
            primary_key: &[0],
            parent,
        }
    }

    static PARENT: TableMeta = table("parent", None);
    static CHILD: TableMeta = table("child", Some(&PARENT));
    static GRANDCHILD: TableMeta = table("grandchild", Some(&CHILD));
    static OTHER: TableMeta = table("other", None);
    // Tables that extend each other: impossible with the derive, and a cycle.
    static LOOP_A: TableMeta = table("loop_a", Some(&LOOP_B));
    static LOOP_B: TableMeta = table("loop_b", Some(&LOOP_A));
    static SELF: TableMeta = table("self_ref", Some(&SELF));

    fn names(tables: &[&'static TableMeta]) -> Vec<&'static str> {
        tables.iter().map(|t| t.name).collect()
    }

    #[test]
    fn tables_follow_their_parents() -> Result<()> {
        let order = creation_order(&[&GRANDCHILD, &OTHER, &CHILD, &PARENT])?;
        assert_eq!(names(&order), ["parent", "child", "grandchild", "other"]);
        let order = creation_order(&[&OTHER, &PARENT, &CHILD, &GRANDCHILD])?;
        assert_eq!(names(&order), ["other", "parent", "child", "grandchild"]);
        // An unlisted parent is not added; the rest is ordered.
        let order = creation_order(&[&GRANDCHILD, &CHILD])?;
        assert_eq!(names(&order), ["child", "grandchild"]);
        let order = creation_order(&[&GRANDCHILD, &PARENT])?;
        assert_eq!(names(&order), ["grandchild", "parent"]);
        // A table listed twice stays twice; a self-reference is no dependency.
        let order = creation_order(&[&CHILD, &PARENT, &CHILD, &SELF])?;
        assert_eq!(names(&order), ["parent", "child", "child", "self_ref"]);
        Ok(())
    }

    #[test]
    fn a_cycle_of_tables_is_an_error_naming_them() {
        let err = creation_order(&[&OTHER, &LOOP_A, &LOOP_B]).unwrap_err();
        assert!(
            matches!(&err, Error::DependencyCycle { tables } if tables == &["loop_a", "loop_b", "loop_a"]),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("loop_a → loop_b → loop_a"),
            "{err}"
        );
        // Only one of them listed: no cycle among what is given.
        assert!(creation_order(&[&LOOP_A]).is_ok());
    }
}
