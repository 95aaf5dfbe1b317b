//! Compose file loading into ContainerSpecs
