use om::prelude::*;

#[derive(Enum, Debug, Clone, Copy, PartialEq)]
#[om(rename_all = "kebab-case")]
enum Status {
    Active,
    OnHold,
    #[om(rename = "gone")]
    Deleted,
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Settings {
    theme: String,
}

#[derive(Model, Clone)]
struct Account {
    #[om(primary_key)]
    id: Option<i64>,
    status: Status,
    #[om(size = 50, index)]
    previous: Option<Status>,
    settings: Json<Settings>,
    extra: Option<om::serde_json::Value>,
}

fn filters(c: &AccountColumns) -> Expr {
    c.status.eq(Status::Active)
        & c.previous.is_in([Status::OnHold, Status::Deleted])
        & c.settings.json_text("theme").eq("dark")
        & c.extra.has_path(["a", "b"])
        & c.extra.contains(om::serde_json::json!({"k": 1}))
}

fn main() {
    let _ = filters;
    assert_eq!(<Status as om::StringEnum>::NAMES, ["active", "on-hold", "gone"]);
}
