//! Rules that judge a built image (`ImageSpec`): its config, its history and
//! the facts read from its layers.

use crate::meta::Rule;

pub static RULES: &[&'static dyn Rule] = &[];
