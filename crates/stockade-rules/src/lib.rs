//! The stockade rule catalog
