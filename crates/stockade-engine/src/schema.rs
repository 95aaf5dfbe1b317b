//! The shape of a `POST /containers/create` body (Engine API 1.24–1.51):
//! which objects are Go structs (fixed, case-insensitive field names) and
//! which are maps (free keys, matched exactly).

/// What a JSON position decodes into.
pub(crate) enum Shape {
    /// A scalar, or anything whose inner keys the daemon does not match by name.
    Leaf,
    /// A Go struct: the listed fields, matched case-insensitively.
    Struct(&'static [(&'static str, &'static Shape)]),
    /// A Go map: free keys, each value of the shape.
    Map(&'static Shape),
    /// A Go slice: each element of the shape.
    List(&'static Shape),
}

use Shape::{Leaf, List, Map, Struct};

static LEAF: Shape = Leaf;
static LEAF_MAP: Shape = Map(&LEAF);
static LEAF_LIST: Shape = List(&LEAF);

static HEALTHCHECK: Shape = Struct(&[
    ("Test", &LEAF_LIST),
    ("Interval", &LEAF),
    ("Timeout", &LEAF),
    ("StartPeriod", &LEAF),
    ("StartInterval", &LEAF),
    ("Retries", &LEAF),
]);

/// `container.Config` fields (top level of a create body).
pub(crate) static CONFIG_FIELDS: &[(&str, &Shape)] = &[
    ("Hostname", &LEAF),
    ("Domainname", &LEAF),
    ("User", &LEAF),
    ("AttachStdin", &LEAF),
    ("AttachStdout", &LEAF),
    ("AttachStderr", &LEAF),
    ("ExposedPorts", &LEAF_MAP),
    ("Tty", &LEAF),
    ("OpenStdin", &LEAF),
    ("StdinOnce", &LEAF),
    ("Env", &LEAF_LIST),
    ("Cmd", &LEAF),
    ("Healthcheck", &HEALTHCHECK),
    ("ArgsEscaped", &LEAF),
    ("Image", &LEAF),
    ("Volumes", &LEAF_MAP),
    ("WorkingDir", &LEAF),
    ("Entrypoint", &LEAF),
    ("NetworkDisabled", &LEAF),
    ("MacAddress", &LEAF),
    ("OnBuild", &LEAF_LIST),
    ("Labels", &LEAF_MAP),
    ("StopSignal", &LEAF),
    ("StopTimeout", &LEAF),
    ("Shell", &LEAF_LIST),
];

static LOG_CONFIG: Shape = Struct(&[("Type", &LEAF), ("Config", &LEAF_MAP)]);
static PORT_BINDING: Shape = Struct(&[("HostIp", &LEAF), ("HostPort", &LEAF)]);
static PORT_BINDING_LIST: Shape = List(&PORT_BINDING);
static PORT_MAP: Shape = Map(&PORT_BINDING_LIST);
static RESTART: Shape = Struct(&[("Name", &LEAF), ("MaximumRetryCount", &LEAF)]);
static WEIGHT_DEVICE: Shape = Struct(&[("Path", &LEAF), ("Weight", &LEAF)]);
static THROTTLE_DEVICE: Shape = Struct(&[("Path", &LEAF), ("Rate", &LEAF)]);
static WEIGHT_DEVICES: Shape = List(&WEIGHT_DEVICE);
static THROTTLE_DEVICES: Shape = List(&THROTTLE_DEVICE);
static DEVICE: Shape = Struct(&[
    ("PathOnHost", &LEAF),
    ("PathInContainer", &LEAF),
    ("CgroupPermissions", &LEAF),
]);
static DEVICES: Shape = List(&DEVICE);
static DEVICE_REQUEST: Shape = Struct(&[
    ("Driver", &LEAF),
    ("Count", &LEAF),
    ("DeviceIDs", &LEAF_LIST),
    ("Capabilities", &LEAF),
    ("Options", &LEAF_MAP),
]);
static DEVICE_REQUESTS: Shape = List(&DEVICE_REQUEST);
static ULIMIT: Shape = Struct(&[("Name", &LEAF), ("Hard", &LEAF), ("Soft", &LEAF)]);
static ULIMITS: Shape = List(&ULIMIT);
static BIND_OPTIONS: Shape = Struct(&[
    ("Propagation", &LEAF),
    ("NonRecursive", &LEAF),
    ("CreateMountpoint", &LEAF),
    ("ReadOnlyNonRecursive", &LEAF),
    ("ReadOnlyForceRecursive", &LEAF),
]);
static DRIVER_CONFIG: Shape = Struct(&[("Name", &LEAF), ("Options", &LEAF_MAP)]);
static VOLUME_OPTIONS: Shape = Struct(&[
    ("NoCopy", &LEAF),
    ("Labels", &LEAF_MAP),
    ("Subpath", &LEAF),
    ("DriverConfig", &DRIVER_CONFIG),
]);
static IMAGE_OPTIONS: Shape = Struct(&[("Subpath", &LEAF)]);
static TMPFS_OPTIONS: Shape = Struct(&[("SizeBytes", &LEAF), ("Mode", &LEAF), ("Options", &LEAF)]);
static CLUSTER_OPTIONS: Shape = Struct(&[]);
static MOUNT: Shape = Struct(&[
    ("Type", &LEAF),
    ("Source", &LEAF),
    ("Target", &LEAF),
    ("ReadOnly", &LEAF),
    ("Consistency", &LEAF),
    ("BindOptions", &BIND_OPTIONS),
    ("VolumeOptions", &VOLUME_OPTIONS),
    ("ImageOptions", &IMAGE_OPTIONS),
    ("TmpfsOptions", &TMPFS_OPTIONS),
    ("ClusterOptions", &CLUSTER_OPTIONS),
]);
static MOUNTS: Shape = List(&MOUNT);

/// `container.HostConfig` fields (with its embedded `Resources`).
pub(crate) static HOST_CONFIG_FIELDS: &[(&str, &Shape)] = &[
    ("Binds", &LEAF_LIST),
    ("ContainerIDFile", &LEAF),
    ("LogConfig", &LOG_CONFIG),
    ("NetworkMode", &LEAF),
    ("PortBindings", &PORT_MAP),
    ("RestartPolicy", &RESTART),
    ("AutoRemove", &LEAF),
    ("VolumeDriver", &LEAF),
    ("VolumesFrom", &LEAF_LIST),
    ("ConsoleSize", &LEAF_LIST),
    ("Annotations", &LEAF_MAP),
    ("CapAdd", &LEAF),
    ("CapDrop", &LEAF),
    ("CgroupnsMode", &LEAF),
    ("Dns", &LEAF_LIST),
    ("DnsOptions", &LEAF_LIST),
    ("DnsSearch", &LEAF_LIST),
    ("ExtraHosts", &LEAF_LIST),
    ("GroupAdd", &LEAF_LIST),
    ("IpcMode", &LEAF),
    ("Cgroup", &LEAF),
    ("Links", &LEAF_LIST),
    ("OomScoreAdj", &LEAF),
    ("PidMode", &LEAF),
    ("Privileged", &LEAF),
    ("PublishAllPorts", &LEAF),
    ("ReadonlyRootfs", &LEAF),
    ("SecurityOpt", &LEAF_LIST),
    ("StorageOpt", &LEAF_MAP),
    ("Tmpfs", &LEAF_MAP),
    ("UTSMode", &LEAF),
    ("UsernsMode", &LEAF),
    ("ShmSize", &LEAF),
    ("Sysctls", &LEAF_MAP),
    ("Runtime", &LEAF),
    ("Isolation", &LEAF),
    ("CpuShares", &LEAF),
    ("Memory", &LEAF),
    ("NanoCpus", &LEAF),
    ("CgroupParent", &LEAF),
    ("BlkioWeight", &LEAF),
    ("BlkioWeightDevice", &WEIGHT_DEVICES),
    ("BlkioDeviceReadBps", &THROTTLE_DEVICES),
    ("BlkioDeviceWriteBps", &THROTTLE_DEVICES),
    ("BlkioDeviceReadIOps", &THROTTLE_DEVICES),
    ("BlkioDeviceWriteIOps", &THROTTLE_DEVICES),
    ("CpuPeriod", &LEAF),
    ("CpuQuota", &LEAF),
    ("CpuRealtimePeriod", &LEAF),
    ("CpuRealtimeRuntime", &LEAF),
    ("CpusetCpus", &LEAF),
    ("CpusetMems", &LEAF),
    ("Devices", &DEVICES),
    ("DeviceCgroupRules", &LEAF_LIST),
    ("DeviceRequests", &DEVICE_REQUESTS),
    ("KernelMemory", &LEAF),
    ("KernelMemoryTCP", &LEAF),
    ("MemoryReservation", &LEAF),
    ("MemorySwap", &LEAF),
    ("MemorySwappiness", &LEAF),
    ("OomKillDisable", &LEAF),
    ("PidsLimit", &LEAF),
    ("Ulimits", &ULIMITS),
    ("CpuCount", &LEAF),
    ("CpuPercent", &LEAF),
    ("IOMaximumIOps", &LEAF),
    ("IOMaximumBandwidth", &LEAF),
    ("Mounts", &MOUNTS),
    ("MaskedPaths", &LEAF_LIST),
    ("ReadonlyPaths", &LEAF_LIST),
    ("Init", &LEAF),
];

pub(crate) static HOST_CONFIG: Shape = Struct(HOST_CONFIG_FIELDS);

static IPAM_CONFIG: Shape = Struct(&[
    ("IPv4Address", &LEAF),
    ("IPv6Address", &LEAF),
    ("LinkLocalIPs", &LEAF_LIST),
]);
static ENDPOINT: Shape = Struct(&[
    ("IPAMConfig", &IPAM_CONFIG),
    ("Links", &LEAF_LIST),
    ("Aliases", &LEAF_LIST),
    ("MacAddress", &LEAF),
    ("DriverOpts", &LEAF_MAP),
    ("GwPriority", &LEAF),
    ("NetworkID", &LEAF),
    ("EndpointID", &LEAF),
    ("Gateway", &LEAF),
    ("IPAddress", &LEAF),
    ("IPPrefixLen", &LEAF),
    ("IPv6Gateway", &LEAF),
    ("GlobalIPv6Address", &LEAF),
    ("GlobalIPv6PrefixLen", &LEAF),
    ("DNSNames", &LEAF_LIST),
]);
static ENDPOINTS: Shape = Map(&ENDPOINT);
pub(crate) static NETWORKING_CONFIG: Shape = Struct(&[("EndpointsConfig", &ENDPOINTS)]);

/// Fields of the create body's top level besides `Config`'s and the
/// legacy `HostConfig` ones the daemon also reads there.
pub(crate) static WRAPPER_FIELDS: &[(&str, &Shape)] = &[
    ("HostConfig", &HOST_CONFIG),
    ("NetworkingConfig", &NETWORKING_CONFIG),
    ("Cpuset", &LEAF),
];

/// Every field name the top level of a create body may carry, with its shape.
pub(crate) fn top_level_field(name: &str) -> Option<&'static Shape> {
    CONFIG_FIELDS
        .iter()
        .chain(WRAPPER_FIELDS)
        .chain(HOST_CONFIG_FIELDS)
        .find(|(n, _)| *n == name)
        .map(|(_, s)| *s)
}
