//! docker run/create lines in scripts into ContainerSpecs
