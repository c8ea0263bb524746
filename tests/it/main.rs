//! Scenario tests: brine against real dill's own account of each fixture.

mod fixtures;
mod robustness;
