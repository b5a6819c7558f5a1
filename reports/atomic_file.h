// File helpers of the report writers. Whole-file writes that a reader never sees half done: the
// bytes go to a temporary file in the target's directory, are fsync'd, and the temporary is renamed
// over the target.
#pragma once

#include <string>
#include <string_view>

#include "harness/common/result.h"

namespace synack::reports {

// Errors name the path and the failing step: "out/results.json: cannot create temporary file: ...".
// On any failure the temporary file is removed and the target is left as it was.
Result<void> write_file_atomically(const std::string& path, std::string_view contents);

// Reads a whole file. Error: "<path>: cannot read: <strerror>".
Result<std::string> read_file(const std::string& path);

// Writes all of `bytes` to `fd`, retrying short writes and EINTR. Returns 0 or an errno value.
int write_all(int fd, std::string_view bytes);

}  // namespace synack::reports
