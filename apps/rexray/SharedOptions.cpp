#include "Commands.h"

namespace rexray::cli {

const OptionSpec kDryRunOption{
    {"dryRun", "dryrun"}, false, "say what would be done, and do nothing", 'n'};
const OptionSpec kContinueOnErrorOption{
    {"continueOnError", "continueonerror"}, false, "go on with the next volume after a failure"};
const OptionSpec kIdempotentOption{
    {"idempotent"}, false, "what is already so is success (attached, detached, missing...)", 'i'};

} // namespace rexray::cli
