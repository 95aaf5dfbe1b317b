//! Rules that judge a `ContainerSpec`: Compose services, `docker run`
//! lines, live containers and create requests at the guard.

use crate::meta::Rule;

pub static RULES: &[&'static dyn Rule] = &[];
