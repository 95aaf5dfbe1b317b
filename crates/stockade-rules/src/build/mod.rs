//! Rules that judge a Dockerfile (`BuildSpec`). Unless a rule is about the
//! build itself, it judges what will run: the final stage (or `--target`)
//! and the stages it is built `FROM`, never builder stages it only copies from.

use crate::meta::Rule;

pub mod user_missing;
pub mod user_root;

pub static RULES: &[&'static dyn Rule] = &[&user_root::UserRoot, &user_missing::UserMissing];
