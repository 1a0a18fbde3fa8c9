#pragma once
// A stored file as an HTTP response: ranged (RFC 9110 §14, one range), never run by the browser in
// our origin (a sandboxing Content-Security-Policy), privately cacheable. Shared by every route that
// downloads what FileStore keeps (the messenger's files, an object's document versions).

#include <string>

#include "veche/api/http_types.hpp"
#include "veche/core/error.hpp"

namespace veche::api {

// 404 file_not_found when `path` is missing; 416 for an unsatisfiable Range.
Result<Response> ServeFile(const Request& req, const std::string& path, const std::string& content_type,
                           const std::string& disposition);

}  // namespace veche::api
