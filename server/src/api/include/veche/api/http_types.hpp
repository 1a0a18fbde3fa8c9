#pragma once
// Requests and responses as route handlers see them, free of any HTTP library: the transport
// (server/src/http) converts from and to Beast.

#include <boost/json/value.hpp>

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
    std::string remote_ip;
    std::string request_id;
    std::vector<std::string> params;  // path parameters, decoded, in pattern order
};

struct Response {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
};

int HttpStatus(ErrorCode code);
Response Json(int status, const boost::json::value& value);
Response NoContent();
Response ErrorResponse(const Error& error);

std::string PercentDecode(std::string_view in, bool plus_is_space);
std::map<std::string, std::string> ParseQuery(std::string_view query);

}  // namespace veche::api
