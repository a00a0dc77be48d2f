//! Lifecycles. Illegal transitions are 409s that name both states.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

macro_rules! string_enum {
    ($name:ident { $($variant:ident => $s:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(SessionStatus {
    Draft => "draft",
    Teaser => "teaser",
    Presale => "presale",
    OnSale => "on_sale",
    InProgress => "in_progress",
    Finished => "finished",
    Cancelled => "cancelled",
    Suspended => "suspended",
});

string_enum!(EventStatus {
    Draft => "draft",
    Published => "published",
    Cancelled => "cancelled",
});

string_enum!(RegistrationStatus {
    Confirmed => "confirmed",
    Waitlisted => "waitlisted",
    Cancelled => "cancelled",
});

string_enum!(Plan {
    Free => "free",
    Standard => "standard",
    Enterprise => "enterprise",
});

string_enum!(TenantStatus {
    Active => "active",
    Suspended => "suspended",
});

impl SessionStatus {
    /// Live states: announced to the public and not yet over.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Teaser | Self::Presale | Self::OnSale | Self::InProgress)
    }

    pub fn can_transition_to(self, to: SessionStatus) -> bool {
        use SessionStatus::*;
        match (self, to) {
            (Draft, Teaser) | (Teaser, Presale) | (Presale, OnSale) | (OnSale, InProgress) | (InProgress, Finished) => {
                true
            }
            // A draft that never went public may be dropped.
            (Draft, Cancelled) => true,
            (from, Cancelled | Suspended) if from.is_live() => true,
            // A suspension is lifted back into any live state, or ends in cancellation.
            (Suspended, to) => to.is_live() || to == Cancelled,
            _ => false,
        }
    }

    #[track_caller]
    pub fn transition(self, to: SessionStatus) -> Result<SessionStatus> {
        if self.can_transition_to(to) {
            Ok(to)
        } else {
            Err(Error::conflict("illegal_transition", format!("session cannot go from {self} to {to}"))
                .with_field("status")
                .with_extra(serde_json::json!({ "from": self.as_str(), "to": to.as_str() })))
        }
    }
}

impl EventStatus {
    #[track_caller]
    pub fn transition(self, to: EventStatus) -> Result<EventStatus> {
        use EventStatus::*;
        match (self, to) {
            (a, b) if a == b => Ok(to),
            (Draft, Published) | (Published, Draft) | (Draft | Published, Cancelled) => Ok(to),
            _ => Err(Error::conflict("illegal_transition", format!("event cannot go from {self} to {to}"))
                .with_field("status")
                .with_extra(serde_json::json!({ "from": self.as_str(), "to": to.as_str() }))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SessionStatus::*;
    use super::*;

    #[test]
    fn happy_path_is_linear() {
        let path = [Draft, Teaser, Presale, OnSale, InProgress, Finished];
        for w in path.windows(2) {
            assert!(w[0].can_transition_to(w[1]), "{} -> {}", w[0], w[1]);
            assert!(!w[1].can_transition_to(w[0]), "{} -> {} must be illegal", w[1], w[0]);
        }
        assert!(!Draft.can_transition_to(OnSale));
    }

    #[test]
    fn cancel_and_suspend_from_live_states_only() {
        for s in SessionStatus::ALL {
            assert_eq!(s.can_transition_to(Suspended), s.is_live(), "{s} -> suspended");
        }
        assert!(!Finished.can_transition_to(Cancelled));
        assert!(!Cancelled.can_transition_to(OnSale));
        assert!(Suspended.can_transition_to(OnSale));
    }

    #[test]
    fn illegal_transition_names_both_states() {
        let e = Finished.transition(Draft).err();
        let msg = e.as_ref().map(|e| (e.code.to_string(), e.message.clone()));
        assert_eq!(msg, Some(("illegal_transition".into(), "session cannot go from finished to draft".into())));
    }

    #[test]
    fn names_round_trip() {
        for s in SessionStatus::ALL {
            assert_eq!(SessionStatus::parse(s.as_str()), Some(*s));
        }
    }
}
