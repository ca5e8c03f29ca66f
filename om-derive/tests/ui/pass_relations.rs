use om::prelude::*;

#[derive(Model, Clone)]
#[om(has_many(posts = Post, by = user_id), has_one(profile = Profile))]
struct User {
    #[om(primary_key)]
    id: Option<i64>,
    #[om(size = 50, unique)]
    email: String,
}

#[derive(Model, Clone)]
struct Post {
    #[om(primary_key)]
    id: Option<i64>,
    // An `i64` references an `Option<i64>` key; an `Option` may too.
    #[om(references(User, on_delete = cascade, on_update = "no action"))]
    user_id: i64,
    #[om(references(User, field = email, name = editor, on_delete = "set null"))]
    editor_email: Option<String>,
}

#[derive(Model, Clone)]
struct Profile {
    #[om(primary_key, references(User, on_delete = restrict))]
    user_id: i64,
}

#[derive(Model, Clone)]
#[om(many_to_many(tags = Tag, through = PostTag))]
struct Article {
    #[om(primary_key)]
    id: Option<i64>,
}

#[derive(Model, Clone)]
#[om(many_to_many(articles = Article, through = PostTag, from = tag_id, to = article_id))]
struct Tag {
    #[om(primary_key)]
    id: Option<i64>,
}

#[derive(Model, Clone)]
struct PostTag {
    #[om(primary_key, references(Article))]
    article_id: i64,
    #[om(primary_key, references(Tag))]
    tag_id: i64,
}

async fn typed(db: &Database, user: &User, post: &Post) -> om::Result<()> {
    let _: Vec<(User, (Vec<(Post, Option<User>)>, Option<Profile>))> = db
        .query::<User>()
        .with(|u| (u.posts().with(|p| p.editor()), u.profile()))
        .all()
        .await?;
    let _: u64 = user.posts(db).count().await?;
    let _: Option<User> = post.user(db).await?;
    let _: Option<Profile> = user.profile(db).await?;
    let _: Vec<User> = db
        .query::<User>()
        .filter(|u| u.posts().any(|p| p.editor_email.is_null()))
        .all()
        .await?;
    Ok(())
}

fn main() {
    let _ = typed;
}
