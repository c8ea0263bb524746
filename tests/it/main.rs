//! Scenario tests: brine against real dill's own account of each fixture.

mod companion;
mod compat;
mod deps;
mod edit;
mod env;
mod escapes;
mod export;
mod fixtures;
mod py;
mod robustness;
mod scan;
mod tui;
mod views;
mod writes;
