//! Property tests: random filters, orderings and pages, checked against the same
//! predicate evaluated in Rust over an in-memory copy of the table, with SQL's
//! three-valued logic.
//!
//! The generator is a fixed-seed splitmix64, so a run is reproducible; a mismatch
//! panics with the seed and the filter. `OM_PROPERTY_SEED=<n>` runs another seed.
//!
//! What the backends do differently is declared in [`Dialect`], from the README's
//! "Backend differences": MySQL's `utf8mb4_bin` pads with spaces when it compares (but
//! not in `LIKE`), SQLite's `LIKE` ignores ASCII case, and NULLs sort first in
//! ascending order on SQLite and MySQL, last on PostgreSQL.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt::Write as _;

use futures::TryStreamExt;
use om::{Database, Expr, Model, Result, escape_like};

/// The table the properties run on: nullable and required columns of each kind.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "property_rows")]
struct PropRow {
    #[om(primary_key)]
    id: Option<i64>,
    n: i32,
    maybe_n: Option<i64>,
    #[om(size = 40)]
    word: String,
    note: Option<String>,
    flag: bool,
    maybe_flag: Option<bool>,
    ratio: f64,
    maybe_ratio: Option<f64>,
}

const SEED: u64 = 0x6f6d_5f70_726f_7073;
const ROWS: usize = 48;
const FILTERS: usize = 300;
const PAGES: usize = 80;

/// splitmix64: small, fast and good enough to pick test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Texts that trip up comparisons, padding, escaping and collations.
const TEXTS: &[&str] = &[
    "", " ", "a", "A", "a ", "a  ", " a", "a\t", "ab", "aB", "b", "%", "_", "\\", "'", "\"", "a%b",
    "a_b", "x'y", "é", "É", "ß", "😀", "z😀", "Ω", "e\u{301}",
];

/// Pieces random texts and LIKE patterns are made of.
const PIECES: &[&str] = &[
    "a", "A", "b", " ", "%", "_", "\\", "'", "é", "😀", "ab", "\t",
];

const INTS: &[i64] = &[-3, -2, -1, 0, 1, 2, 3, 7];
const I32_ENDS: &[i64] = &[i32::MIN as i64, i32::MAX as i64];
const I64_ENDS: &[i64] = &[i64::MIN, i64::MAX];
const FLOATS: &[f64] = &[-2.5, -1.0, -1e-10, 0.0, 0.1, 0.25, 1.0, 3.75, 1e10];

fn random_text(rng: &mut Rng) -> String {
    if rng.chance(60) {
        return (*rng.pick(TEXTS)).to_string();
    }
    (0..1 + rng.below(3))
        .map(|_| *rng.pick(PIECES))
        .collect::<String>()
}

fn random_int(rng: &mut Rng, ends: &[i64]) -> i64 {
    if rng.chance(15) {
        *rng.pick(ends)
    } else {
        *rng.pick(INTS)
    }
}

fn maybe<T>(rng: &mut Rng, value: impl FnOnce(&mut Rng) -> T) -> Option<T> {
    if rng.chance(25) {
        None
    } else {
        Some(value(rng))
    }
}

fn random_row(rng: &mut Rng) -> PropRow {
    PropRow {
        id: None,
        n: random_int(rng, I32_ENDS) as i32,
        maybe_n: maybe(rng, |r| random_int(r, I64_ENDS)),
        word: random_text(rng),
        note: maybe(rng, random_text),
        flag: rng.chance(50),
        maybe_flag: maybe(rng, |r| r.chance(50)),
        ratio: *rng.pick(FLOATS),
        maybe_ratio: maybe(rng, |r| *r.pick(FLOATS)),
    }
}

/// A column of [`PropRow`] other than the key.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Col {
    N,
    MaybeN,
    Word,
    Note,
    Flag,
    MaybeFlag,
    Ratio,
    MaybeRatio,
}

const COLS: &[Col] = &[
    Col::N,
    Col::MaybeN,
    Col::Word,
    Col::Note,
    Col::Flag,
    Col::MaybeFlag,
    Col::Ratio,
    Col::MaybeRatio,
];

impl Col {
    fn is_text(self) -> bool {
        matches!(self, Col::Word | Col::Note)
    }

    fn random_value(self, rng: &mut Rng) -> Val {
        match self {
            Col::N => Val::Int(random_int(rng, I32_ENDS)),
            Col::MaybeN => Val::Int(random_int(rng, I64_ENDS)),
            Col::Word | Col::Note => Val::Text(random_text(rng)),
            Col::Flag | Col::MaybeFlag => Val::Bool(rng.chance(50)),
            Col::Ratio | Col::MaybeRatio => Val::Float(*rng.pick(FLOATS)),
        }
    }

    fn of(self, row: &PropRow) -> Option<Val> {
        match self {
            Col::N => Some(Val::Int(row.n.into())),
            Col::MaybeN => row.maybe_n.map(Val::Int),
            Col::Word => Some(Val::Text(row.word.clone())),
            Col::Note => row.note.clone().map(Val::Text),
            Col::Flag => Some(Val::Bool(row.flag)),
            Col::MaybeFlag => row.maybe_flag.map(Val::Bool),
            Col::Ratio => Some(Val::Float(row.ratio)),
            Col::MaybeRatio => row.maybe_ratio.map(Val::Float),
        }
    }

    fn order(self, c: &PropRowColumns, descending: bool) -> om::Order {
        let (asc, desc) = match self {
            Col::N => (c.n.asc(), c.n.desc()),
            Col::MaybeN => (c.maybe_n.asc(), c.maybe_n.desc()),
            Col::Word => (c.word.asc(), c.word.desc()),
            Col::Note => (c.note.asc(), c.note.desc()),
            Col::Flag => (c.flag.asc(), c.flag.desc()),
            Col::MaybeFlag => (c.maybe_flag.asc(), c.maybe_flag.desc()),
            Col::Ratio => (c.ratio.asc(), c.ratio.desc()),
            Col::MaybeRatio => (c.maybe_ratio.asc(), c.maybe_ratio.desc()),
        };
        if descending { desc } else { asc }
    }
}

/// A value of a column, never NULL (om's `eq` takes no NULL; `is_null` tests for it).
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Int(i64),
    Text(String),
    Bool(bool),
    Float(f64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

const OPS: &[Op] = &[Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge];

/// A filter, as generated; turned into an om [`Expr`] and evaluated in Rust.
#[derive(Debug, Clone)]
enum Pred {
    Cmp(Col, Op, Val),
    In(Col, Vec<Val>, bool),
    IsNull(Col, bool),
    Like(Col, String, bool),
    And(Vec<Pred>),
    Or(Vec<Pred>),
    Not(Box<Pred>),
}

/// How a backend compares, matches and sorts, as the README declares.
#[derive(Debug, Clone, Copy)]
struct Dialect {
    /// Text compares as if the shorter side were padded with spaces (MySQL's PAD SPACE
    /// collations); `LIKE` still compares character by character.
    pad_space: bool,
    /// `LIKE` ignores ASCII case (SQLite).
    like_ignores_ascii_case: bool,
    /// NULL sorts after every value in ascending order (PostgreSQL).
    nulls_last: bool,
    /// Text sorts by code point (byte order, a `C` collation): `<`, `>` and `order_by`
    /// on text are checked only then.
    text_order_is_code_point: bool,
}

impl Dialect {
    async fn of(db: &Database) -> Result<Dialect> {
        let backend = db.backend();
        let text_order_is_code_point = match backend {
            // A database's collation is the server's choice; the suite's servers use
            // `C` / `C.UTF-8`, and a linguistic one orders text differently.
            "postgres" => {
                let collation: String = db
                    .fetch_val(
                        "SELECT datcollate::text FROM pg_database WHERE datname = current_database()",
                        (),
                    )
                    .await?;
                let code_point = matches!(
                    collation.as_str(),
                    "C" | "POSIX" | "C.UTF-8" | "C.utf8" | "ucs_basic"
                );
                if !code_point {
                    eprintln!(
                        "properties: the database collation is {collation:?}, not byte order: \
                         text ranges and text orderings are not generated"
                    );
                }
                code_point
            }
            // SQLite's BINARY and MySQL's utf8mb4_bin order by code point.
            _ => true,
        };
        Ok(Dialect {
            pad_space: backend == "mysql",
            like_ignores_ascii_case: !db.capabilities().case_sensitive_like,
            nulls_last: backend == "postgres",
            text_order_is_code_point,
        })
    }

    fn compare(&self, a: &Val, b: &Val) -> Ordering {
        match (a, b) {
            (Val::Int(a), Val::Int(b)) => a.cmp(b),
            (Val::Bool(a), Val::Bool(b)) => a.cmp(b),
            (Val::Float(a), Val::Float(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
            (Val::Text(a), Val::Text(b)) if self.pad_space => {
                let mut a = a.chars();
                let mut b = b.chars();
                loop {
                    match (a.next(), b.next()) {
                        (None, None) => return Ordering::Equal,
                        (x, y) => match x.unwrap_or(' ').cmp(&y.unwrap_or(' ')) {
                            Ordering::Equal => {}
                            other => return other,
                        },
                    }
                }
            }
            (Val::Text(a), Val::Text(b)) => a.cmp(b),
            _ => panic!("compared values of different types: {a:?} and {b:?}"),
        }
    }

    /// The three-valued truth of `pred` on `row`: `None` is SQL's unknown.
    fn eval(&self, pred: &Pred, row: &PropRow) -> Option<bool> {
        match pred {
            Pred::Cmp(col, op, value) => {
                let ord = self.compare(&col.of(row)?, value);
                Some(match op {
                    Op::Eq => ord == Ordering::Equal,
                    Op::Ne => ord != Ordering::Equal,
                    Op::Lt => ord == Ordering::Less,
                    Op::Le => ord != Ordering::Greater,
                    Op::Gt => ord == Ordering::Greater,
                    Op::Ge => ord != Ordering::Less,
                })
            }
            // om renders an empty list as a constant, so it is false (or, negated, true)
            // even for NULL; the values themselves are never NULL.
            Pred::In(_, values, negated) if values.is_empty() => Some(*negated),
            Pred::In(col, values, negated) => {
                let value = col.of(row)?;
                let found = values
                    .iter()
                    .any(|v| self.compare(&value, v) == Ordering::Equal);
                Some(found != *negated)
            }
            Pred::IsNull(col, negated) => Some(col.of(row).is_none() != *negated),
            Pred::Like(col, pattern, negated) => {
                let Val::Text(text) = col.of(row)? else {
                    panic!("LIKE on a column that is not text")
                };
                Some(self.like(&text, pattern) != *negated)
            }
            Pred::And(all) => {
                let mut unknown = false;
                for p in all {
                    match self.eval(p, row) {
                        Some(false) => return Some(false),
                        None => unknown = true,
                        Some(true) => {}
                    }
                }
                if unknown { None } else { Some(true) }
            }
            Pred::Or(any) => {
                let mut unknown = false;
                for p in any {
                    match self.eval(p, row) {
                        Some(true) => return Some(true),
                        None => unknown = true,
                        Some(false) => {}
                    }
                }
                if unknown { None } else { Some(false) }
            }
            Pred::Not(inner) => self.eval(inner, row).map(|b| !b),
        }
    }

    /// `text LIKE pattern` with `%`, `_` and `\` escapes, one character at a time.
    fn like(&self, text: &str, pattern: &str) -> bool {
        #[derive(Clone, Copy)]
        enum Tok {
            Any,
            One,
            Char(char),
        }
        let mut toks = Vec::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            toks.push(match c {
                '%' => Tok::Any,
                '_' => Tok::One,
                '\\' => Tok::Char(chars.next().expect("no dangling escape is generated")),
                c => Tok::Char(c),
            });
        }
        let fold = |c: char| {
            if self.like_ignores_ascii_case {
                c.to_ascii_lowercase()
            } else {
                c
            }
        };
        let text: Vec<char> = text.chars().map(fold).collect();
        // matches[j]: the first i characters of the text match the first j tokens.
        let mut matches = vec![false; toks.len() + 1];
        matches[0] = true;
        for (j, tok) in toks.iter().enumerate() {
            if let Tok::Any = tok {
                matches[j + 1] = matches[j];
            }
        }
        for &c in &text {
            let mut next = vec![false; toks.len() + 1];
            for (j, tok) in toks.iter().enumerate() {
                next[j + 1] = match tok {
                    Tok::Any => next[j] || matches[j + 1],
                    Tok::One => matches[j],
                    Tok::Char(p) => matches[j] && fold(*p) == c,
                };
            }
            matches = next;
        }
        matches[toks.len()]
    }

    /// The model's ordering of two rows by `keys`, NULLs placed as the backend does.
    fn order_rows(&self, keys: &[(Col, bool)], a: &PropRow, b: &PropRow) -> Ordering {
        for &(col, descending) in keys {
            let ord = match (col.of(a), col.of(b)) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) if self.nulls_last => Ordering::Greater,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) if self.nulls_last => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (Some(x), Some(y)) => self.compare(&x, &y),
            };
            let ord = if descending { ord.reverse() } else { ord };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

fn random_pattern(rng: &mut Rng) -> String {
    if rng.chance(20) {
        // A text matched literally, or as a prefix.
        let text = escape_like(&random_text(rng));
        return if rng.chance(50) {
            text
        } else {
            format!("{text}%")
        };
    }
    let mut pattern = String::new();
    for _ in 0..1 + rng.below(4) {
        match rng.below(4) {
            0 => pattern.push('%'),
            1 => pattern.push('_'),
            _ => {
                let piece = PIECES[rng.below(PIECES.len())];
                pattern.push_str(&escape_like(piece));
            }
        }
    }
    pattern
}

fn random_pred(rng: &mut Rng, depth: usize, dialect: &Dialect) -> Pred {
    if depth > 0 && rng.chance(45) {
        let children = |rng: &mut Rng| {
            (0..rng.below(4))
                .map(|_| random_pred(rng, depth - 1, dialect))
                .collect::<Vec<_>>()
        };
        return match rng.below(3) {
            0 => Pred::And(children(rng)),
            1 => Pred::Or(children(rng)),
            _ => Pred::Not(Box::new(random_pred(rng, depth - 1, dialect))),
        };
    }
    let col = *rng.pick(COLS);
    match rng.below(10) {
        0 | 1 => Pred::In(
            col,
            (0..rng.below(4)).map(|_| col.random_value(rng)).collect(),
            rng.chance(50),
        ),
        2 => Pred::IsNull(col, rng.chance(50)),
        3 | 4 if col.is_text() => Pred::Like(col, random_pattern(rng), rng.chance(30)),
        _ => {
            let mut op = *rng.pick(OPS);
            if col.is_text() && !dialect.text_order_is_code_point {
                op = if rng.chance(50) { Op::Eq } else { Op::Ne };
            }
            Pred::Cmp(col, op, col.random_value(rng))
        }
    }
}

fn compare_expr<T: om::SqlType>(column: om::Column<T>, op: Op, value: impl om::ValueOf<T>) -> Expr {
    match op {
        Op::Eq => column.eq(value),
        Op::Ne => column.ne(value),
        Op::Lt => column.lt(value),
        Op::Le => column.le(value),
        Op::Gt => column.gt(value),
        Op::Ge => column.ge(value),
    }
}

fn in_expr<T: om::SqlType, V: om::ValueOf<T>>(
    column: om::Column<T>,
    values: Vec<V>,
    negated: bool,
) -> Expr {
    if negated {
        column.is_not_in(values)
    } else {
        column.is_in(values)
    }
}

fn ints(values: &[Val]) -> Vec<i64> {
    values
        .iter()
        .map(|v| match v {
            Val::Int(i) => *i,
            other => panic!("not an integer: {other:?}"),
        })
        .collect()
}

fn to_expr(pred: &Pred, c: &PropRowColumns) -> Expr {
    match pred {
        Pred::Cmp(col, op, value) => match (col, value) {
            (Col::N, Val::Int(v)) => compare_expr(c.n, *op, *v as i32),
            (Col::MaybeN, Val::Int(v)) => compare_expr(c.maybe_n, *op, *v),
            (Col::Word, Val::Text(v)) => compare_expr(c.word, *op, v.as_str()),
            (Col::Note, Val::Text(v)) => compare_expr(c.note, *op, v.as_str()),
            (Col::Flag, Val::Bool(v)) => compare_expr(c.flag, *op, *v),
            (Col::MaybeFlag, Val::Bool(v)) => compare_expr(c.maybe_flag, *op, *v),
            (Col::Ratio, Val::Float(v)) => compare_expr(c.ratio, *op, *v),
            (Col::MaybeRatio, Val::Float(v)) => compare_expr(c.maybe_ratio, *op, *v),
            other => panic!("a value of the wrong type: {other:?}"),
        },
        Pred::In(col, values, negated) => {
            let texts = || -> Vec<String> {
                values
                    .iter()
                    .map(|v| match v {
                        Val::Text(t) => t.clone(),
                        other => panic!("not a text: {other:?}"),
                    })
                    .collect()
            };
            let bools = || -> Vec<bool> {
                values
                    .iter()
                    .map(|v| matches!(v, Val::Bool(true)))
                    .collect()
            };
            let floats = || -> Vec<f64> {
                values
                    .iter()
                    .map(|v| match v {
                        Val::Float(f) => *f,
                        other => panic!("not a float: {other:?}"),
                    })
                    .collect()
            };
            match col {
                Col::N => in_expr(
                    c.n,
                    ints(values).into_iter().map(|v| v as i32).collect(),
                    *negated,
                ),
                Col::MaybeN => in_expr(c.maybe_n, ints(values), *negated),
                Col::Word => in_expr(c.word, texts(), *negated),
                Col::Note => in_expr(c.note, texts(), *negated),
                Col::Flag => in_expr(c.flag, bools(), *negated),
                Col::MaybeFlag => in_expr(c.maybe_flag, bools(), *negated),
                Col::Ratio => in_expr(c.ratio, floats(), *negated),
                Col::MaybeRatio => in_expr(c.maybe_ratio, floats(), *negated),
            }
        }
        Pred::IsNull(col, negated) => {
            let (null, not_null) = match col {
                Col::N => (c.n.is_null(), c.n.is_not_null()),
                Col::MaybeN => (c.maybe_n.is_null(), c.maybe_n.is_not_null()),
                Col::Word => (c.word.is_null(), c.word.is_not_null()),
                Col::Note => (c.note.is_null(), c.note.is_not_null()),
                Col::Flag => (c.flag.is_null(), c.flag.is_not_null()),
                Col::MaybeFlag => (c.maybe_flag.is_null(), c.maybe_flag.is_not_null()),
                Col::Ratio => (c.ratio.is_null(), c.ratio.is_not_null()),
                Col::MaybeRatio => (c.maybe_ratio.is_null(), c.maybe_ratio.is_not_null()),
            };
            if *negated { not_null } else { null }
        }
        Pred::Like(col, pattern, negated) => {
            let column = match col {
                Col::Word => c.word,
                Col::Note => c.note,
                other => panic!("LIKE on {other:?}"),
            };
            if *negated {
                column.not_like(pattern.as_str())
            } else {
                column.like(pattern.as_str())
            }
        }
        Pred::And(all) => Expr::all(all.iter().map(|p| to_expr(p, c))),
        Pred::Or(any) => Expr::any(any.iter().map(|p| to_expr(p, c))),
        Pred::Not(inner) => !to_expr(inner, c),
    }
}

fn seed() -> u64 {
    std::env::var("OM_PROPERTY_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(SEED)
}

async fn seed_rows(db: &Database, rng: &mut Rng) -> Result<Vec<PropRow>> {
    db.create_all(&[PropRow::table()]).await?;
    let mut rows: Vec<PropRow> = (0..ROWS).map(|_| random_row(rng)).collect();
    db.add_all(&mut rows).await?;
    let back = db.query::<PropRow>().order_by(|c| c.id.asc()).all().await?;
    // A row the database changed on the way in would make every check below wrong.
    assert_eq!(back, rows, "the rows read back as written");
    Ok(rows)
}

fn describe(rows: &[PropRow], keys: &BTreeSet<i64>) -> String {
    let mut out = String::new();
    for row in rows
        .iter()
        .filter(|r| r.id.is_some_and(|id| keys.contains(&id)))
    {
        let _ = writeln!(out, "    {row:?}");
    }
    out
}

/// Random filter trees (comparisons, `is_in`/`is_not_in` with empty lists, NULL
/// checks, `like`/`not_like` with wildcards and escapes, and `and`/`or`/`not` nested a
/// few levels) select with `all`, `count` and `exists` exactly the rows the same
/// predicate selects in Rust under SQL's three-valued logic.
pub async fn random_filters_match_the_model(db: &Database) -> Result<()> {
    let seed = seed();
    let mut rng = Rng(seed);
    let dialect = Dialect::of(db).await?;
    let rows = seed_rows(db, &mut rng).await?;
    let mut hits = 0;
    for i in 0..FILTERS {
        let pred = random_pred(&mut rng, 3, &dialect);
        let expected: BTreeSet<i64> = rows
            .iter()
            .filter(|r| dialect.eval(&pred, r) == Some(true))
            .filter_map(|r| r.id)
            .collect();
        let query = || db.query::<PropRow>().filter(|c| to_expr(&pred, c));
        let got: BTreeSet<i64> = query().all().await?.iter().filter_map(|r| r.id).collect();
        if got != expected {
            let missing: BTreeSet<i64> = expected.difference(&got).copied().collect();
            let extra: BTreeSet<i64> = got.difference(&expected).copied().collect();
            panic!(
                "seed {seed}, filter #{i} on {}: {pred:?}\n  as om: {:?}\n  \
                 rows the model selects and the database did not:\n{}  \
                 rows the database selected and the model does not:\n{}",
                db.backend(),
                to_expr(&pred, PropRow::columns()),
                describe(&rows, &missing),
                describe(&rows, &extra),
            );
        }
        let count = query().count().await?;
        assert_eq!(
            count,
            expected.len() as u64,
            "seed {seed}, filter #{i}: count of {pred:?}"
        );
        let exists = query().exists().await?;
        assert_eq!(
            exists,
            !expected.is_empty(),
            "seed {seed}, filter #{i}: exists of {pred:?}"
        );
        if !expected.is_empty() && expected.len() < rows.len() {
            hits += 1;
        }
    }
    // The generator must exercise something: most filters select some rows, not all.
    assert!(
        hits > FILTERS / 4,
        "seed {seed}: only {hits} of {FILTERS} filters selected a proper subset"
    );
    Ok(())
}

/// Random `order_by` keys (with the key as the last, unique tiebreak), `limit` and
/// `offset`, and an optional random filter, return exactly the page of the model's
/// sort, through `all`, `stream`, `first`, `count` and `exists`.
pub async fn random_orderings_and_pages_match_the_model(db: &Database) -> Result<()> {
    let seed = seed();
    let mut rng = Rng(seed ^ 0x5eed);
    let dialect = Dialect::of(db).await?;
    let rows = seed_rows(db, &mut rng).await?;
    let orderable: Vec<Col> = COLS
        .iter()
        .copied()
        .filter(|c| dialect.text_order_is_code_point || !c.is_text())
        .collect();
    for i in 0..PAGES {
        let pred = rng.chance(40).then(|| random_pred(&mut rng, 2, &dialect));
        let keys: Vec<(Col, bool)> = (0..1 + rng.below(3))
            .map(|_| (*rng.pick(&orderable), rng.chance(50)))
            .collect();
        let key_descending = rng.chance(50);
        let limit = rng.chance(60).then(|| rng.below(15) as u64);
        let offset = rng.chance(60).then(|| rng.below(ROWS + 5) as u64);

        let mut expected: Vec<&PropRow> = rows
            .iter()
            .filter(|r| {
                pred.as_ref()
                    .is_none_or(|p| dialect.eval(p, r) == Some(true))
            })
            .collect();
        expected.sort_by(|a, b| {
            dialect
                .order_rows(&keys, a, b)
                .then_with(|| match key_descending {
                    false => a.id.cmp(&b.id),
                    true => b.id.cmp(&a.id),
                })
        });
        let expected: Vec<i64> = expected
            .into_iter()
            .filter_map(|r| r.id)
            .skip(offset.unwrap_or(0) as usize)
            .take(limit.map_or(usize::MAX, |l| l as usize))
            .collect();

        let query = || {
            let mut q = db.query::<PropRow>();
            if let Some(p) = &pred {
                q = q.filter(|c| to_expr(p, c));
            }
            for &(col, descending) in &keys {
                q = q.order_by(|c| col.order(c, descending));
            }
            q = q.order_by(|c| {
                if key_descending {
                    c.id.desc()
                } else {
                    c.id.asc()
                }
            });
            if let Some(l) = limit {
                q = q.limit(l);
            }
            if let Some(o) = offset {
                q = q.offset(o);
            }
            q
        };
        let context = || {
            format!(
                "seed {seed}, page #{i} on {}: filter {pred:?}, order {keys:?} then key {}, \
                 limit {limit:?}, offset {offset:?}",
                db.backend(),
                if key_descending { "desc" } else { "asc" }
            )
        };
        let got: Vec<i64> = query().all().await?.iter().filter_map(|r| r.id).collect();
        if got != expected {
            let by_id = |id: &i64| rows.iter().find(|r| r.id == Some(*id)).cloned();
            panic!(
                "{}\n  expected {expected:?}\n  got      {got:?}\n  expected rows:\n{}  got rows:\n{}",
                context(),
                expected
                    .iter()
                    .filter_map(by_id)
                    .map(|r| format!("    {r:?}\n"))
                    .collect::<String>(),
                got.iter()
                    .filter_map(by_id)
                    .map(|r| format!("    {r:?}\n"))
                    .collect::<String>(),
            );
        }
        assert_eq!(
            query().count().await?,
            expected.len() as u64,
            "{}: count is the page's",
            context()
        );
        assert_eq!(
            query().first().await?.and_then(|r| r.id),
            expected.first().copied(),
            "{}: first",
            context()
        );
        assert_eq!(
            query().exists().await?,
            !expected.is_empty(),
            "{}: exists",
            context()
        );
        if i % 4 == 0 {
            let streamed: Vec<i64> = query()
                .stream()
                .map_ok(|r| r.id)
                .try_collect::<Vec<_>>()
                .await?
                .into_iter()
                .flatten()
                .collect();
            assert_eq!(streamed, expected, "{}: stream", context());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dialect(pad_space: bool, like_ignores_ascii_case: bool) -> Dialect {
        Dialect {
            pad_space,
            like_ignores_ascii_case,
            nulls_last: false,
            text_order_is_code_point: true,
        }
    }

    #[test]
    fn the_model_like_follows_sql() {
        let d = dialect(false, false);
        assert!(d.like("abc", "a%"));
        assert!(d.like("abc", "%c"));
        assert!(d.like("abc", "_b_"));
        assert!(!d.like("abc", "_b"));
        assert!(d.like("", "%"));
        assert!(!d.like("", "_"));
        assert!(d.like("a%b", "a\\%b"));
        assert!(!d.like("axb", "a\\%b"));
        assert!(d.like("😀", "_"));
        assert!(!d.like("A", "a"));
        assert!(dialect(false, true).like("A", "a"));
        assert!(!dialect(false, true).like("É", "é"));
        assert!(!dialect(true, false).like("a ", "a"), "LIKE does not pad");
    }

    #[test]
    fn the_model_pads_with_spaces_where_declared() {
        let text = |s: &str| Val::Text(s.into());
        let pad = dialect(true, false);
        assert_eq!(pad.compare(&text("a "), &text("a")), Ordering::Equal);
        assert_eq!(pad.compare(&text("a\t"), &text("a")), Ordering::Less);
        assert_eq!(
            dialect(false, false).compare(&text("a\t"), &text("a")),
            Ordering::Greater
        );
    }

    #[test]
    fn the_model_uses_three_valued_logic() {
        let d = dialect(false, false);
        let row = PropRow {
            id: Some(1),
            n: 1,
            maybe_n: None,
            word: "a".into(),
            note: None,
            flag: true,
            maybe_flag: None,
            ratio: 0.0,
            maybe_ratio: None,
        };
        let unknown = Pred::Cmp(Col::MaybeN, Op::Eq, Val::Int(1));
        let truth = Pred::Cmp(Col::N, Op::Eq, Val::Int(1));
        let falsity = Pred::Cmp(Col::N, Op::Eq, Val::Int(2));
        assert_eq!(d.eval(&unknown, &row), None);
        assert_eq!(d.eval(&Pred::Not(Box::new(unknown.clone())), &row), None);
        let and = |ps: Vec<Pred>| d.eval(&Pred::And(ps), &row);
        let or = |ps: Vec<Pred>| d.eval(&Pred::Or(ps), &row);
        assert_eq!(and(vec![]), Some(true));
        assert_eq!(or(vec![]), Some(false));
        assert_eq!(and(vec![unknown.clone(), falsity.clone()]), Some(false));
        assert_eq!(and(vec![falsity.clone(), unknown.clone()]), Some(false));
        assert_eq!(and(vec![unknown.clone(), truth.clone()]), None);
        assert_eq!(and(vec![truth.clone(), truth.clone()]), Some(true));
        assert_eq!(or(vec![unknown.clone(), truth.clone()]), Some(true));
        assert_eq!(or(vec![unknown.clone(), falsity.clone()]), None);
        assert_eq!(
            d.eval(&Pred::In(Col::MaybeN, vec![], false), &row),
            Some(false)
        );
        assert_eq!(
            d.eval(&Pred::In(Col::MaybeN, vec![], true), &row),
            Some(true)
        );
        assert_eq!(
            d.eval(&Pred::In(Col::MaybeN, vec![Val::Int(1)], true), &row),
            None
        );
    }
}
