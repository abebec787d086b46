//! The integration tests, one binary: one module per area, the fixtures they share in `helpers`.
//! (One binary links once; twelve linked the library and the shared helpers twelve times.)

mod api;
mod architecture;
mod browser;
mod cli;
mod container;
mod container_engine;
mod helpers;
mod inspect;
mod lifecycle;
mod login;
mod openapi;
mod proxy;
mod robustness;
mod rotation;
mod route_guards;
mod security;
mod socket;
mod video;
mod webhooks;
mod zoom_client;
