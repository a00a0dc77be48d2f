//! A shortcut through the executor for objects asked only for leaves.
//!
//! async-graphql resolves every field of an object as its own future and
//! joins them, which costs far more than reading a struct field: on a page of
//! 20 events × 13 fields that executor work was most of a GraphQL read's
//! server time. [`Fast<T>`] is `T` for the schema (same type, same registry
//! entry) but, when a selection set is nothing but plain leaf fields (no
//! arguments, directives, fragments or sub-selections; each response key
//! once), builds the object's value directly from [`Leaves::leaf`]. Anything
//! else goes through the executor exactly as `T` would.

use std::borrow::Cow;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection};
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, OutputType, Positioned, ServerResult, Value};

/// An object's leaf fields by their GraphQL names.
pub trait Leaves {
    /// The value of the leaf field `name`, or `None` when `name` is not a
    /// leaf of this object (the executor then resolves the selection).
    fn leaf(&self, name: &str) -> Option<Value>;
}

/// `T` with the leaf shortcut (see the module docs).
#[derive(Clone)]
pub struct Fast<T>(pub T);

/// The object's value when `selection` holds only plain leaves.
fn direct(selection: &ContextSelectionSet<'_>, typename: &str, leaves: &impl Leaves) -> Option<Value> {
    let set = &selection.item.node;
    let mut map = IndexMap::with_capacity(set.items.len());
    for item in &set.items {
        let Selection::Field(f) = &item.node else { return None };
        let f = &f.node;
        if !f.arguments.is_empty() || !f.directives.is_empty() || !f.selection_set.node.items.is_empty() {
            return None;
        }
        let value = match f.name.node.as_str() {
            "__typename" => Value::String(typename.to_owned()),
            name => leaves.leaf(name)?,
        };
        let key = f.alias.as_ref().map_or(&f.name.node, |a| &a.node).clone();
        if map.insert(key, value).is_some() {
            // The same key twice: field merging is the executor's business.
            return None;
        }
    }
    Some(Value::Object(map))
}

impl<T: OutputType + Leaves> OutputType for Fast<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> ServerResult<Value> {
        match direct(ctx, &T::type_name(), &self.0) {
            Some(v) => Ok(v),
            None => self.0.resolve(ctx, field).await,
        }
    }
}

/// `impl Leaves`: `field => "graphqlName"` for every leaf of the object. A
/// leaf's value is its `InputType::to_value`, which is what the executor
/// outputs for scalars and enums.
macro_rules! leaves {
    ($target:ty, [$($f:ident => $name:literal),* $(,)?]) => {
        impl $crate::fast::Leaves for $target {
            fn leaf(&self, name: &str) -> Option<async_graphql::Value> {
                match name {
                    $($name => Some(async_graphql::InputType::to_value(&self.$f)),)*
                    _ => None,
                }
            }
        }
    };
}
pub(crate) use leaves;

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    use super::*;
    use crate::types::{Event, EventStatus, Session, SessionStatus, TicketType};

    fn event() -> Event {
        let at = Utc.with_ymd_and_hms(2030, 1, 2, 10, 0, 0).single().unwrap_or_default();
        Event {
            id: Uuid::from_u128(1),
            owner_id: Uuid::from_u128(2),
            title: "Tango \"night\"".into(),
            description: "ünïcode\nline".into(),
            category: "music".into(),
            venue: "Hall".into(),
            image_url: None,
            status: EventStatus::Published,
            starts_at: at,
            ends_at: at + chrono::Duration::microseconds(1_500_001),
            timezone: "Europe/Madrid".into(),
            created_at: at,
            updated_at: at,
        }
    }

    fn session() -> Session {
        let e = event();
        Session {
            id: Uuid::from_u128(3),
            event_id: e.id,
            title: "Set".into(),
            presenter: String::new(),
            venue: "Stage".into(),
            status: SessionStatus::OnSale,
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            capacity: 100,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }

    fn ticket_type() -> TicketType {
        let e = event();
        TicketType {
            id: Uuid::from_u128(4),
            session_id: Uuid::from_u128(3),
            name: "VIP".into(),
            price_minor: 2_500,
            currency: "EUR".into(),
            capacity: 40,
            sold: 3,
            held: 2,
            available: 35,
            sales_opens_at: Some(e.starts_at),
            sales_closes_at: None,
            min_per_order: 1,
            max_per_order: 10,
            seated: false,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }

    struct Q;

    #[Object]
    impl Q {
        async fn fast_event(&self) -> Fast<Event> {
            Fast(event())
        }
        async fn plain_event(&self) -> Event {
            event()
        }
        async fn fast_session(&self) -> Fast<Session> {
            Fast(session())
        }
        async fn plain_session(&self) -> Session {
            session()
        }
        async fn fast_ticket_type(&self) -> Fast<TicketType> {
            Fast(ticket_type())
        }
        async fn plain_ticket_type(&self) -> TicketType {
            ticket_type()
        }
    }

    /// Every field of `type_name` in the SDL, with whether it is a leaf.
    fn sdl_fields(sdl: &str, type_name: &str) -> Vec<(String, bool)> {
        let leaves = ["UUID", "String", "Int", "Float", "Boolean", "DateTime", "EventStatus", "SessionStatus"];
        let start = sdl.find(&format!("type {type_name} {{")).unwrap_or(sdl.len());
        let body = &sdl[start..];
        let body = &body[..body.find("\n}").unwrap_or(body.len())];
        body.lines()
            .skip(1)
            .filter_map(|l| {
                let l = l.trim();
                let (name, ty) = l.split_once(": ")?;
                if name.contains(' ') || name.contains('"') {
                    return None;
                }
                let base = ty.trim_matches(|c| c == '[' || c == ']' || c == '!');
                Some((name.to_owned(), leaves.contains(&base)))
            })
            .collect()
    }

    #[test]
    fn every_leaf_of_the_sdl_is_listed_and_nothing_else() {
        let sdl = Schema::new(Q, EmptyMutation, EmptySubscription).sdl();
        let cases: [(&str, &dyn Leaves); 3] =
            [("Event", &event()), ("Session", &session()), ("TicketType", &ticket_type())];
        for (type_name, object) in cases {
            let fields = sdl_fields(&sdl, type_name);
            assert!(fields.len() > 5, "{type_name}: {fields:?}");
            for (name, leaf) in fields {
                assert_eq!(object.leaf(&name).is_some(), leaf, "{type_name}.{name}");
            }
        }
    }

    #[tokio::test]
    async fn the_shortcut_answers_what_the_executor_answers() {
        let schema = Schema::new(Q, EmptyMutation, EmptySubscription);
        let sdl = schema.sdl();
        for type_name in ["Event", "Session", "TicketType"] {
            let leaves: Vec<String> =
                sdl_fields(&sdl, type_name).into_iter().filter(|(_, leaf)| *leaf).map(|(n, _)| n).collect();
            let set = format!("__typename {} x: id", leaves.join(" "));
            let q = format!("{{ f: fast{type_name} {{ {set} }} p: plain{type_name} {{ {set} }} }}");
            let r = schema.execute(q).await;
            assert!(r.errors.is_empty(), "{:?}", r.errors);
            let data = r.data.into_json().unwrap_or_default();
            assert_eq!(data["f"], data["p"], "{type_name}");
            assert_eq!(data["f"].as_object().map(|o| o.len()), Some(leaves.len() + 2));
            assert_eq!(data["f"]["__typename"], type_name);
            assert_eq!(data["f"]["x"], data["p"]["id"]);
        }
    }

    #[tokio::test]
    async fn anything_but_plain_leaves_goes_through_the_executor() {
        for selection in [
            "{ id id }",
            "{ id ... on Event { title } }",
            "{ ...F }",
            "{ id title @include(if: true) venue @skip(if: true) }",
            "{ a: id a: id }",
        ] {
            let schema = Schema::new(Q, EmptyMutation, EmptySubscription);
            let fragment = if selection.contains("...F") { " fragment F on Event { id title }" } else { "" };
            let q = format!("{{ f: fastEvent {selection} p: plainEvent {selection} }}{fragment}");
            let r = schema.execute(q).await;
            assert!(r.errors.is_empty(), "{selection}: {:?}", r.errors);
            let data = r.data.into_json().unwrap_or_default();
            assert_eq!(data["f"], data["p"], "{selection}");
            assert!(data["f"]["id"].is_string() || data["f"]["a"].is_string(), "{selection}: {data}");
        }
    }
}
