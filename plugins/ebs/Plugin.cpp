// The ebs plugin's one exported symbol, and everything it declares about
// itself: its old driver names, its configuration section, its create options.
#include "EbsDriver.h"

namespace {

constexpr const char *kFeatures[] = {"block", "snapshots", nullptr};
// REX-Ray and libStorage called this driver ec2 and aws.
constexpr const char *kAliases[] = {"ec2", "aws", nullptr};
constexpr const char *kTagAliases[] = {"rexrayTag", nullptr};

using rexray::sdk::key;
using rexray::sdk::secret;
constexpr rxr_config_key kKeys[] = {
    key("accessKey", RXR_TYPE_STRING, nullptr,
        "AWS access key id (set with secretKey, or neither)"),
    secret("secretKey", "AWS secret access key"),
    secret("sessionToken", "session token for temporary accessKey/secretKey"),
    key("profile", RXR_TYPE_STRING, nullptr,
        "profile in the shared credentials file (default: AWS_PROFILE, else default)"),
    key("region", RXR_TYPE_STRING, nullptr, "EC2 region (default: the instance's)"),
    key("endpoint", RXR_TYPE_STRING, nullptr,
        "EC2 endpoint URL (default: https://ec2.<region>.amazonaws.com)"),
    key("metadataEndpoint", RXR_TYPE_STRING, "http://169.254.169.254",
        "instance metadata service, the only address asked for identity and role"),
    key("maxRetries", RXR_TYPE_INT, "10", "retries of a throttled, 5xx or dropped EC2 request"),
    key("tag", RXR_TYPE_STRING, nullptr,
        "scope: only volumes and snapshots named <tag>/<name> are seen", kTagAliases),
    key("kmsKeyID", RXR_TYPE_STRING, nullptr,
        "KMS key for encrypted volumes when the create call names none"),
    key("useLargeDeviceRange", RXR_TYPE_BOOL, "false",
        "device names /dev/xvd[b-c][a-z] (52) instead of /dev/xvd[f-p] (11)"),
    key("statusMaxAttempts", RXR_TYPE_INT, "10", "status checks while waiting for a state change"),
    key("statusInitialDelay", RXR_TYPE_DURATION, "100ms",
        "first wait between status checks; doubles each time"),
    key("statusTimeout", RXR_TYPE_DURATION, "2m",
        "longest wait for a state change (the request's deadline may be shorter)"),
    key("deviceRoot", RXR_TYPE_STRING, "/dev", "where attached disks appear"),
    key("sysfsRoot", RXR_TYPE_STRING, "/sys", "where NVMe serials are read"),
    key("throughput", RXR_TYPE_INT, nullptr,
        "throughput (MiB/s) of new gp3 volumes when the create call gives none"),
};

constexpr rxr_create_option kCreateOptions[] = {
    rexray::sdk::option("throughput", RXR_TYPE_INT, "throughput of a gp3 volume in MiB/s"),
    rexray::sdk::option("kmsKeyID", RXR_TYPE_STRING,
                        "KMS key to encrypt the volume with (implies encrypted)"),
};

constexpr auto kPlugin = rexray::sdk::Plugin("io.rexray.ebs", "ebs", "1.1.0")
                             .vendor("rexray")
                             .description("AWS Elastic Block Store")
                             .features(kFeatures)
                             .aliases(kAliases)
                             .configKeys(kKeys)
                             .createOptions(kCreateOptions);

} // namespace

RXR_EXPORT_DRIVER(rexray::ebs::EbsDriver, kPlugin);
