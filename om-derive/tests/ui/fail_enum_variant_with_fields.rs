use om::prelude::*;

#[derive(Enum, Clone)]
enum Shape {
    Circle,
    Square { side: i64 },
}

fn main() {}
