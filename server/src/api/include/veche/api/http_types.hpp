#pragma once
// Requests and responses as route handlers see them, free of any HTTP library: the transport
// (server/src/http) converts from and to Beast.

#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "veche/core/error.hpp"

namespace veche::api {

struct Request {
    std::string method;  // "GET", "POST", …
    std::string path;    // without the query string, percent-decoding not applied
    std::map<std::string, std::string> query;  // decoded
    std::string body;
    std::string content_type;
    std::string authorization;
    std::string cookie;
    std::string user_agent;
    std::string range;   // the Range header (file downloads)
    std::string expect;  // the Expect header (uploads: 100-continue)
    std::string origin;          // the Origin header ("" when absent)
    std::string host;            // the Host header
    std::string sec_fetch_site;  // the Sec-Fetch-Site header (browsers: same-origin, same-site, cross-site, none)
    std::string remote_ip;
    std::string request_id;
    std::vector<std::string> params;  // path parameters, decoded, in pattern order
};

struct Response {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    // When set, the transport streams this byte range of the file as the body instead of `body`.
    std::string file_path;
    std::uint64_t file_offset = 0;
    std::uint64_t file_length = 0;
};

int HttpStatus(ErrorCode code);
Response Json(int status, const boost::json::value& value);
Response NoContent();
Response ErrorResponse(const Error& error);

// The session token from `Authorization: Bearer` or the `veche_session` cookie ("" when none).
std::string TokenOf(const Request& request);
// Only the `Authorization: Bearer` token ("" when none), never the cookie: for callers who are not
// sessions (the support widget's visitors, a mailbox's webhook), so a browser's session cookie is no
// credential there.
std::string BearerToken(const Request& request);

std::string PercentDecode(std::string_view in, bool plus_is_space);
std::map<std::string, std::string> ParseQuery(std::string_view query);

}  // namespace veche::api
