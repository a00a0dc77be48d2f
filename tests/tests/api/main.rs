//! Black-box tests: the real server on a random port, real PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin;
mod api_keys;
mod audit;
mod auth;
mod bulk;
mod checkin;
mod coupons;
mod events;
mod graphql;
mod isolation;
mod notifications;
mod openapi;
mod payments;
mod ratelimit;
mod realtime;
mod registrations;
mod reports;
mod resale;
mod roles;
mod scripts;
mod search_cache;
mod sessions;
mod subscriptions;
mod tenancy;
pub mod ticketing;
mod validation;
mod webhooks;
