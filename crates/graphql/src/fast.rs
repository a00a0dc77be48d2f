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

use std::any::Any;
use std::borrow::Cow;

use async_graphql::connection::{Edge, EmptyFields};
use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, InputType, Name, OutputType, Positioned, ServerResult, Value};
use chrono::{DateTime, Datelike, Timelike, Utc};
use uuid::Uuid;

use crate::connection::Conn;

/// An object's leaf fields by their GraphQL names.
pub trait Leaves {
    /// The value of the leaf field `name`, or `None` when `name` is not a
    /// leaf of this object (the executor then resolves the selection).
    fn leaf(&self, name: &str) -> Option<Value>;
}

/// `T` with the leaf shortcut (see the module docs).
#[derive(Clone)]
pub struct Fast<T>(pub T);

/// The field of a selection item, when it is a plain one: no arguments or
/// directives (fragments are not fields). Its response key comes with it.
fn plain_field(item: &Positioned<Selection>) -> Option<(&Name, &Field)> {
    let Selection::Field(f) = &item.node else { return None };
    let f = &f.node;
    if !f.arguments.is_empty() || !f.directives.is_empty() {
        return None;
    }
    Some((f.alias.as_ref().map_or(&f.name.node, |a| &a.node), f))
}

/// Response keys and field names of a selection of plain leaves, or `None`
/// when it holds anything else. Worked out once per selection, then used
/// for every object of a list.
fn leaf_plan(set: &SelectionSet) -> Option<Vec<(&Name, &str)>> {
    let mut plan: Vec<(&Name, &str)> = Vec::with_capacity(set.items.len());
    for item in &set.items {
        let (key, f) = plain_field(item)?;
        if !f.selection_set.node.items.is_empty() || plan.iter().any(|(k, _)| *k == key) {
            // A sub-selection, or the same key twice (field merging is the
            // executor's business).
            return None;
        }
        plan.push((key, f.name.node.as_str()));
    }
    Some(plan)
}

/// The value of field `name` of an object of type `typename`; `None` if it
/// is not a leaf.
fn leaf_of(name: &str, typename: &str, leaves: &impl Leaves) -> Option<Value> {
    match name {
        "__typename" => Some(Value::String(typename.to_owned())),
        name => leaves.leaf(name),
    }
}

/// The object `plan` selects from `leaves`; `None` if one is not a leaf.
fn build(plan: &[(&Name, &str)], typename: &str, leaves: &impl Leaves) -> Option<Value> {
    let mut map = IndexMap::with_capacity(plan.len());
    for (key, name) in plan {
        map.insert((*key).clone(), leaf_of(name, typename, leaves)?);
    }
    Some(Value::Object(map))
}

/// A node selection worked out once for a whole page: its plan, and the
/// response object with every key in place, cloned for each node and filled
/// by position (no key is hashed again per node).
struct Shape<'a> {
    plan: Vec<(&'a Name, &'a str)>,
    template: IndexMap<Name, Value>,
}

impl<'a> Shape<'a> {
    fn of(set: &'a SelectionSet) -> Option<Self> {
        let plan = leaf_plan(set)?;
        let template = plan.iter().map(|(key, _)| ((*key).clone(), Value::Null)).collect();
        Some(Self { plan, template })
    }

    /// As [`build`].
    fn fill(&self, typename: &str, leaves: &impl Leaves) -> Option<Value> {
        let mut map = self.template.clone();
        for (i, (_, name)) in self.plan.iter().enumerate() {
            let value = leaf_of(name, typename, leaves)?;
            if let Some((_, slot)) = map.get_index_mut(i) {
                *slot = value;
            }
        }
        Some(Value::Object(map))
    }
}

impl<T: OutputType + Leaves> OutputType for Fast<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> ServerResult<Value> {
        let direct = leaf_plan(&ctx.item.node).and_then(|plan| build(&plan, &T::type_name(), &self.0));
        match direct {
            Some(v) => Ok(v),
            None => self.0.resolve(ctx, field).await,
        }
    }
}

/// A connection of `Fast<T>` with the same shortcut one level up: when the
/// connection is asked for `totalCount`, `pageInfo`, `edges { cursor node }`
/// and `nodes`, with plain leaves all the way down, the whole page is built
/// directly, the node selection worked out once for all its edges. Anything
/// else goes through the executor, as for `Conn<Fast<T>>`.
pub struct FastConn<T: OutputType + Leaves>(pub Conn<Fast<T>>);

impl<T: OutputType + Leaves> FastConn<T> {
    fn direct(&self, set: &SelectionSet) -> Option<Value> {
        let conn = &self.0;
        let node_type = T::type_name();
        let mut map = IndexMap::with_capacity(set.items.len());
        for item in &set.items {
            let (key, f) = plain_field(item)?;
            let sub = &f.selection_set.node;
            let value = match (f.name.node.as_str(), sub.items.is_empty()) {
                ("__typename", true) => Value::String(<Conn<Fast<T>> as OutputType>::type_name().into_owned()),
                ("totalCount", true) => conn.additional_fields.total_count.to_value(),
                ("pageInfo", false) => {
                    let cursor =
                        |e: Option<&Edge<String, Fast<T>, EmptyFields>>| e.map(|e| e.cursor.clone()).to_value();
                    let mut page = IndexMap::with_capacity(sub.items.len());
                    for (key, name) in leaf_plan(sub)? {
                        let value = match name {
                            "__typename" => Value::String("PageInfo".into()),
                            "hasPreviousPage" => conn.has_previous_page.to_value(),
                            "hasNextPage" => conn.has_next_page.to_value(),
                            "startCursor" => cursor(conn.edges.first()),
                            "endCursor" => cursor(conn.edges.last()),
                            _ => return None,
                        };
                        page.insert(key.clone(), value);
                    }
                    Value::Object(page)
                }
                ("nodes", false) => {
                    let shape = Shape::of(sub)?;
                    let nodes = conn.edges.iter().map(|e| shape.fill(&node_type, &e.node.0));
                    Value::List(nodes.collect::<Option<_>>()?)
                }
                ("edges", false) => {
                    let edge_type = <Edge<String, Fast<T>, EmptyFields> as OutputType>::type_name();
                    let mut fields = Vec::with_capacity(sub.items.len());
                    for item in &sub.items {
                        let (key, f) = plain_field(item)?;
                        let sub = &f.selection_set.node;
                        let field = match (f.name.node.as_str(), sub.items.is_empty()) {
                            ("__typename", true) => EdgeField::Typename,
                            ("cursor", true) => EdgeField::Cursor,
                            ("node", false) => EdgeField::Node(Shape::of(sub)?),
                            _ => return None,
                        };
                        if fields.iter().any(|(k, _)| *k == key) {
                            return None;
                        }
                        fields.push((key, field));
                    }
                    let template: IndexMap<Name, Value> =
                        fields.iter().map(|(key, _)| ((*key).clone(), Value::Null)).collect();
                    let mut edges = Vec::with_capacity(conn.edges.len());
                    for e in &conn.edges {
                        let mut edge = template.clone();
                        for (i, (_, field)) in fields.iter().enumerate() {
                            let value = match field {
                                EdgeField::Typename => Value::String(edge_type.clone().into_owned()),
                                EdgeField::Cursor => Value::String(e.cursor.clone()),
                                EdgeField::Node(shape) => shape.fill(&node_type, &e.node.0)?,
                            };
                            if let Some((_, slot)) = edge.get_index_mut(i) {
                                *slot = value;
                            }
                        }
                        edges.push(Value::Object(edge));
                    }
                    Value::List(edges)
                }
                _ => return None,
            };
            if map.insert(key.clone(), value).is_some() {
                return None;
            }
        }
        Some(Value::Object(map))
    }
}

enum EdgeField<'a> {
    Typename,
    Cursor,
    Node(Shape<'a>),
}

impl<T: OutputType + Leaves> OutputType for FastConn<T> {
    fn type_name() -> Cow<'static, str> {
        <Conn<Fast<T>> as OutputType>::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        Conn::<Fast<T>>::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> ServerResult<Value> {
        match self.direct(&ctx.item.node) {
            Some(v) => Ok(v),
            None => self.0.resolve(ctx, field).await,
        }
    }
}

/// A leaf's value: its `InputType::to_value`, which is what the executor
/// outputs for scalars and enums; dates and ids, the commonest leaves, are
/// written the same way without going through `fmt`.
pub(crate) fn leaf_value<T: InputType + 'static>(v: &T) -> Value {
    let any: &dyn Any = v;
    if let Some(t) = any.downcast_ref::<DateTime<Utc>>() {
        return Value::String(rfc3339(t));
    }
    if let Some(t) = any.downcast_ref::<Option<DateTime<Utc>>>() {
        return t.as_ref().map_or(Value::Null, |t| Value::String(rfc3339(t)));
    }
    if let Some(id) = any.downcast_ref::<Uuid>() {
        return Value::String(id.hyphenated().encode_lower(&mut Uuid::encode_buffer()).to_owned());
    }
    v.to_value()
}

/// `DateTime::to_rfc3339` (what async-graphql outputs for a date): seconds
/// with 0, 3, 6 or 9 fraction digits, as few as represent it exactly, and
/// `+00:00`. Years outside 0–9999 and leap seconds go to chrono.
fn rfc3339(t: &DateTime<Utc>) -> String {
    let (year, nanos) = (t.year(), t.nanosecond());
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return t.to_rfc3339();
    }
    fn digits(out: &mut String, v: u32, width: u32) {
        for p in (0..width).rev() {
            out.push(char::from(b'0' + (v / 10u32.pow(p) % 10) as u8));
        }
    }
    let mut out = String::with_capacity(35);
    digits(&mut out, year.unsigned_abs(), 4);
    for (sep, v) in [('-', t.month()), ('-', t.day()), ('T', t.hour()), (':', t.minute()), (':', t.second())] {
        out.push(sep);
        digits(&mut out, v, 2);
    }
    let (width, fraction) = match nanos {
        0 => (0, 0),
        n if n % 1_000_000 == 0 => (3, n / 1_000_000),
        n if n % 1_000 == 0 => (6, n / 1_000),
        n => (9, n),
    };
    if width > 0 {
        out.push('.');
        digits(&mut out, fraction, width);
    }
    out.push_str("+00:00");
    out
}

/// `impl Leaves`: `field => "graphqlName"` for every leaf of the object,
/// valued by [`leaf_value`].
macro_rules! leaves {
    ($target:ty, [$($f:ident => $name:literal),* $(,)?]) => {
        impl $crate::fast::Leaves for $target {
            fn leaf(&self, name: &str) -> Option<async_graphql::Value> {
                match name {
                    $($name => Some($crate::fast::leaf_value(&self.$f)),)*
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
        async fn fast_conn(&self) -> FastConn<Event> {
            FastConn(page(Fast))
        }
        /// The same type to the schema, through the executor (its nodes
        /// take the leaf shortcut, checked above).
        async fn plain_conn(&self) -> Conn<Fast<Event>> {
            page(Fast)
        }
    }

    /// Events 3 to 5 of 10: pages before and after.
    fn page<U: OutputType>(map: impl Fn(Event) -> U) -> Conn<U> {
        let events = (0..3u128).map(|i| Event { id: Uuid::from_u128(10 + i), title: format!("E{i}"), ..event() });
        let req = taquilla_core::page::PageRequest::window(2, 3).unwrap();
        crate::connection::connection(taquilla_core::page::Page::new(events.collect(), 10, req), req, map)
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

    #[tokio::test]
    async fn the_connection_shortcut_answers_what_the_executor_answers() {
        let full = "{ __typename totalCount pageInfo { __typename hasPreviousPage hasNextPage startCursor endCursor } \
                    edges { __typename cursor node { __typename id title startsAt status } } nodes { id imageUrl } }";
        for (i, selection) in [
            full,
            "{ t: totalCount e: edges { c: cursor n: node { i: id x: title } } }",
            "{ edges { node { id } } }",
            "{ pageInfo { endCursor } }",
            // Through the executor:
            "{ edges { node { id ... on Event { title } } } }",
            "{ edges { node { ...F } } }",
            "{ edges { node { id } node { title } } }",
            "{ totalCount @include(if: true) edges { cursor } }",
            "{ pageInfo { ... on PageInfo { hasNextPage } } }",
            "{ a: totalCount a: totalCount }",
        ]
        .into_iter()
        .enumerate()
        {
            let fragment = if selection.contains("...F") { " fragment F on Event { id title }" } else { "" };
            let doc = async_graphql::parser::parse_query(format!("{{ x {selection} }}{fragment}")).unwrap();
            let (_, op) = doc.operations.iter().next().unwrap();
            let Selection::Field(x) = &op.node.selection_set.node.items[0].node else { panic!("{selection}") };
            let shortcut = FastConn(page(Fast)).direct(&x.node.selection_set.node).is_some();
            assert_eq!(shortcut, i < 4, "{selection}");

            let schema = Schema::new(Q, EmptyMutation, EmptySubscription);
            let q = format!("{{ f: fastConn {selection} p: plainConn {selection} }}{fragment}");
            let r = schema.execute(q).await;
            assert!(r.errors.is_empty(), "{selection}: {:?}", r.errors);
            let data = r.data.into_json().unwrap_or_default();
            assert_eq!(data["f"], data["p"], "{selection}");
            assert!(data["f"].as_object().is_some_and(|o| !o.is_empty()), "{selection}: {data}");
        }
        let r = Schema::new(Q, EmptyMutation, EmptySubscription).execute(format!("{{ fastConn {full} }}")).await;
        let data = r.data.into_json().unwrap_or_default();
        let c = &data["fastConn"];
        assert_eq!((c["__typename"].as_str(), c["totalCount"].as_i64()), (Some("EventConnection"), Some(10)));
        assert_eq!(c["pageInfo"]["hasPreviousPage"], true);
        assert_eq!(c["pageInfo"]["hasNextPage"], true);
        assert_eq!(c["edges"][2]["node"]["title"], "E2");
        assert_eq!(c["edges"][0]["__typename"], "EventEdge");
        assert_eq!(c["pageInfo"]["endCursor"], c["edges"][2]["cursor"]);
        assert_eq!(c["nodes"].as_array().map(Vec::len), Some(3));
    }

    #[test]
    fn dates_and_ids_are_written_as_async_graphql_writes_them() {
        let base = Utc.with_ymd_and_hms(2026, 11, 27, 9, 5, 7).single().unwrap();
        let mut cases = vec![
            Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).single().unwrap(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).single().unwrap(),
            Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).single().unwrap(),
            Utc.with_ymd_and_hms(-1, 1, 1, 0, 0, 0).single().unwrap(),
        ];
        for nanos in [0, 1, 7, 1_000, 1_500, 120_000, 1_000_000, 999_000_000, 999_999_999, 123_456_789, 500_000] {
            cases.push(base + chrono::Duration::nanoseconds(nanos));
        }
        for i in 0..2_000i64 {
            cases.push(base + chrono::Duration::nanoseconds(i * 7_919_113_331 + i * i * 1_000_003));
        }
        for t in cases {
            assert_eq!(leaf_value(&t), InputType::to_value(&t), "{t:?}");
            assert_eq!(leaf_value(&Some(t)), InputType::to_value(&Some(t)), "{t:?}");
        }
        assert_eq!(leaf_value(&None::<DateTime<Utc>>), Value::Null);
        for id in [Uuid::nil(), Uuid::max(), Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef), Uuid::now_v7()]
        {
            assert_eq!(leaf_value(&id), InputType::to_value(&id));
        }
        assert_eq!(leaf_value(&"x".to_owned()), Value::String("x".into()));
    }
}
