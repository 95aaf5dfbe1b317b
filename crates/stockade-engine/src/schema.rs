//! The shapes of the Engine API request bodies that are decoded strictly
//! (API 1.24–1.51): which objects are Go structs (fixed field names, matched
//! case-insensitively by the daemon) and which are maps (free keys, matched
//! exactly). Container create, exec create and start, container update,
//! volume create, network create and connect.

/// What a JSON position decodes into.
#[derive(Debug)]
pub enum Shape {
    /// A scalar, or anything whose inner keys the daemon does not match by name.
    Leaf,
    /// A Go struct: groups of fields, matched case-insensitively. A struct
    /// has one group of its own and one per struct it embeds (Go promotes
    /// the embedded struct's fields: `HostConfig` embeds `Resources`).
    Struct(&'static [Fields]),
    /// A Go map: free keys, each value of the shape.
    Map(&'static Shape),
    /// A Go slice: each element of the shape.
    List(&'static Shape),
}

/// One group of struct fields: name and shape.
pub type Fields = &'static [(&'static str, &'static Shape)];

impl Shape {
    /// A struct's fields, embedded ones included (nothing for other shapes).
    pub fn fields(&self) -> impl Iterator<Item = &'static (&'static str, &'static Shape)> + Clone {
        let groups: &'static [Fields] = match self {
            Shape::Struct(groups) => groups,
            _ => &[],
        };
        groups.iter().flat_map(|g| g.iter())
    }
}

use Shape::{Leaf, List, Map, Struct};

static LEAF: Shape = Leaf;
static LEAF_MAP: Shape = Map(&LEAF);
static LEAF_LIST: Shape = List(&LEAF);

static HEALTHCHECK: Shape = Struct(&[&[
    ("Test", &LEAF_LIST),
    ("Interval", &LEAF),
    ("Timeout", &LEAF),
    ("StartPeriod", &LEAF),
    ("StartInterval", &LEAF),
    ("Retries", &LEAF),
]]);

/// `container.Config` fields (top level of a create body).
pub(crate) static CONFIG_FIELDS: Fields = &[
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

static LOG_CONFIG: Shape = Struct(&[&[("Type", &LEAF), ("Config", &LEAF_MAP)]]);
static PORT_BINDING: Shape = Struct(&[&[("HostIp", &LEAF), ("HostPort", &LEAF)]]);
static PORT_BINDING_LIST: Shape = List(&PORT_BINDING);
static PORT_MAP: Shape = Map(&PORT_BINDING_LIST);
static RESTART: Shape = Struct(&[&[("Name", &LEAF), ("MaximumRetryCount", &LEAF)]]);
static WEIGHT_DEVICE: Shape = Struct(&[&[("Path", &LEAF), ("Weight", &LEAF)]]);
static THROTTLE_DEVICE: Shape = Struct(&[&[("Path", &LEAF), ("Rate", &LEAF)]]);
static WEIGHT_DEVICES: Shape = List(&WEIGHT_DEVICE);
static THROTTLE_DEVICES: Shape = List(&THROTTLE_DEVICE);
static DEVICE: Shape = Struct(&[&[
    ("PathOnHost", &LEAF),
    ("PathInContainer", &LEAF),
    ("CgroupPermissions", &LEAF),
]]);
static DEVICES: Shape = List(&DEVICE);
static DEVICE_REQUEST: Shape = Struct(&[&[
    ("Driver", &LEAF),
    ("Count", &LEAF),
    ("DeviceIDs", &LEAF_LIST),
    ("Capabilities", &LEAF),
    ("Options", &LEAF_MAP),
]]);
static DEVICE_REQUESTS: Shape = List(&DEVICE_REQUEST);
static ULIMIT: Shape = Struct(&[&[("Name", &LEAF), ("Hard", &LEAF), ("Soft", &LEAF)]]);
static ULIMITS: Shape = List(&ULIMIT);
static BIND_OPTIONS: Shape = Struct(&[&[
    ("Propagation", &LEAF),
    ("NonRecursive", &LEAF),
    ("CreateMountpoint", &LEAF),
    ("ReadOnlyNonRecursive", &LEAF),
    ("ReadOnlyForceRecursive", &LEAF),
]]);
static DRIVER_CONFIG: Shape = Struct(&[&[("Name", &LEAF), ("Options", &LEAF_MAP)]]);
static VOLUME_OPTIONS: Shape = Struct(&[&[
    ("NoCopy", &LEAF),
    ("Labels", &LEAF_MAP),
    ("Subpath", &LEAF),
    ("DriverConfig", &DRIVER_CONFIG),
]]);
static IMAGE_OPTIONS: Shape = Struct(&[&[("Subpath", &LEAF)]]);
static TMPFS_OPTIONS: Shape =
    Struct(&[&[("SizeBytes", &LEAF), ("Mode", &LEAF), ("Options", &LEAF)]]);
static CLUSTER_OPTIONS: Shape = Struct(&[]);
static MOUNT: Shape = Struct(&[&[
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
]]);
static MOUNTS: Shape = List(&MOUNT);

/// `container.Resources` fields (embedded in `HostConfig` and `UpdateConfig`).
pub(crate) static RESOURCES_FIELDS: Fields = &[
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
];

/// `container.HostConfig`'s own fields (besides the embedded `Resources`).
pub(crate) static HOST_CONFIG_FIELDS: Fields = &[
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
    ("Mounts", &MOUNTS),
    ("MaskedPaths", &LEAF_LIST),
    ("ReadonlyPaths", &LEAF_LIST),
    ("Init", &LEAF),
];

static HOST_CONFIG: Shape = Struct(&[HOST_CONFIG_FIELDS, RESOURCES_FIELDS]);

static IPAM_CONFIG: Shape = Struct(&[&[
    ("IPv4Address", &LEAF),
    ("IPv6Address", &LEAF),
    ("LinkLocalIPs", &LEAF_LIST),
]]);
static ENDPOINT: Shape = Struct(&[&[
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
]]);
static ENDPOINTS: Shape = Map(&ENDPOINT);
static NETWORKING_CONFIG: Shape = Struct(&[&[("EndpointsConfig", &ENDPOINTS)]]);

/// `POST /containers/create`: `container.Config`, `HostConfig`,
/// `NetworkingConfig` and `Cpuset`, and the legacy `HostConfig` fields
/// (with `Resources`) the daemon also reads at the top level.
pub static CONTAINER_CREATE: Shape = Struct(&[
    CONFIG_FIELDS,
    &[
        ("HostConfig", &HOST_CONFIG),
        ("NetworkingConfig", &NETWORKING_CONFIG),
        ("Cpuset", &LEAF),
    ],
    HOST_CONFIG_FIELDS,
    RESOURCES_FIELDS,
]);

/// `POST /containers/{id}/exec`.
pub static EXEC_CREATE: Shape = Struct(&[&[
    ("User", &LEAF),
    ("Privileged", &LEAF),
    ("Tty", &LEAF),
    ("ConsoleSize", &LEAF_LIST),
    ("AttachStdin", &LEAF),
    ("AttachStderr", &LEAF),
    ("AttachStdout", &LEAF),
    ("Detach", &LEAF),
    ("DetachKeys", &LEAF),
    ("Env", &LEAF_LIST),
    ("WorkingDir", &LEAF),
    ("Cmd", &LEAF_LIST),
]]);

/// `POST /exec/{id}/start`.
pub static EXEC_START: Shape = Struct(&[&[
    ("Detach", &LEAF),
    ("Tty", &LEAF),
    ("ConsoleSize", &LEAF_LIST),
]]);

/// `POST /containers/{id}/update` (`container.UpdateConfig`: `Resources`
/// and a restart policy).
pub static UPDATE: Shape = Struct(&[RESOURCES_FIELDS, &[("RestartPolicy", &RESTART)]]);

/// `POST /volumes/create`.
pub static VOLUME_CREATE: Shape = Struct(&[&[
    ("Name", &LEAF),
    ("Driver", &LEAF),
    ("DriverOpts", &LEAF_MAP),
    ("Labels", &LEAF_MAP),
    ("ClusterVolumeSpec", &LEAF),
]]);

static IPAM_POOL: Shape = Struct(&[&[
    ("Subnet", &LEAF),
    ("IPRange", &LEAF),
    ("Gateway", &LEAF),
    ("AuxiliaryAddresses", &LEAF_MAP),
]]);
static IPAM_POOLS: Shape = List(&IPAM_POOL);
static IPAM: Shape = Struct(&[&[
    ("Driver", &LEAF),
    ("Options", &LEAF_MAP),
    ("Config", &IPAM_POOLS),
]]);
static CONFIG_FROM: Shape = Struct(&[&[("Network", &LEAF)]]);

/// `POST /networks/create`.
pub static NETWORK_CREATE: Shape = Struct(&[&[
    ("Name", &LEAF),
    ("CheckDuplicate", &LEAF),
    ("Driver", &LEAF),
    ("Scope", &LEAF),
    ("EnableIPv4", &LEAF),
    ("EnableIPv6", &LEAF),
    ("IPAM", &IPAM),
    ("Internal", &LEAF),
    ("Attachable", &LEAF),
    ("Ingress", &LEAF),
    ("ConfigOnly", &LEAF),
    ("ConfigFrom", &CONFIG_FROM),
    ("Options", &LEAF_MAP),
    ("Labels", &LEAF_MAP),
]]);

/// `POST /networks/{id}/connect`.
pub static NETWORK_CONNECT: Shape =
    Struct(&[&[("Container", &LEAF), ("EndpointConfig", &ENDPOINT)]]);
