//! Scenario tests: brine against real dill's own account of each fixture.

mod edit;
mod env;
mod fixtures;
mod robustness;
mod scan;
mod tui;
