#pragma once

namespace amo::harness {

// A TCP port on 127.0.0.1 that was free a moment ago (bind to :0, read, close).
// Never returns the same port twice within one process.
int free_port();

}  // namespace amo::harness
