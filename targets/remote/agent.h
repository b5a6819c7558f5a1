// `synack agent`: runs next to the stack under test (in the target namespace of the veth test bed,
// or on a remote host) and executes the script's socket calls and shell lines for the injector,
// over the control protocol of protocol.h.
#pragma once

#include "harness/common/result.h"

namespace synack::remote {

// Serves one injector on the connected stream `control` until it closes the connection. Socket
// calls run on real sockets of the calling process's network namespace; blocking calls complete
// asynchronously ("done" messages) the moment their socket is ready.
Result<void> serve_agent(int control);

}  // namespace synack::remote
