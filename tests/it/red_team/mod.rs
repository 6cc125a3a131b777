//! Red team: an adversarial corpus run as ordinary tests. Every model output is hostile.

mod arguments;
mod corpus;
mod faults;
mod load;
mod paths;
mod policies;
