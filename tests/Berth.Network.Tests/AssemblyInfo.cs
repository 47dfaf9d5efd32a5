using Xunit;

// The integration tests share host-wide state (portmap's CNI-HOSTPORT-* chains, the xtables lock, sysctls):
// they run one class at a time.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly)]
