#pragma once
// Expected failures are values: every fallible operation returns Result<T>. Exceptions are kept for
// start-up failures and the truly unexpected; the transport turns those into a 500 and a log line.

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace veche {

// Protocol-agnostic error kinds; the API layer maps each to an HTTP status and a WebSocket frame.
enum class ErrorCode {
    kInvalidArgument,       // 400
    kMalformedRequest,      // 400
    kUnauthenticated,       // 401
    kForbidden,             // 403
    kNotFound,              // 404
    kMethodNotAllowed,      // 405
    kConflict,              // 409
    kPayloadTooLarge,       // 413
    kUnsupportedMediaType,  // 415
    kUnprocessable,         // 422: well-formed, but a rule of the data refuses it (a required comment)
    kRateLimited,           // 429
    kInternal,              // 500
    kUnavailable,           // 503
    kInsufficientStorage,   // 507 (RFC 4918 §11.5): the server's disk has no room
};

// An error as the client will see it: a kind, a stable machine code ("chat_not_found") and a short
// human message that never contains internals.
struct Error {
    ErrorCode code = ErrorCode::kInternal;
    std::string api_code;
    std::string message;
    int retry_after_seconds = 0;  // only for kRateLimited

    static Error InvalidArgument(std::string message) {
        return {ErrorCode::kInvalidArgument, "invalid_argument", std::move(message)};
    }
    static Error Malformed(std::string message) {
        return {ErrorCode::kMalformedRequest, "malformed_json", std::move(message)};
    }
    static Error Unauthenticated(std::string message = "authentication required") {
        return {ErrorCode::kUnauthenticated, "unauthenticated", std::move(message)};
    }
    static Error Forbidden(std::string message = "not allowed") {
        return {ErrorCode::kForbidden, "forbidden", std::move(message)};
    }
    // `what` is the object kind, e.g. "chat" gives code chat_not_found.
    static Error NotFound(const std::string& what) {
        return {ErrorCode::kNotFound, what + "_not_found", what + " not found"};
    }
    static Error Conflict(std::string api_code, std::string message) {
        return {ErrorCode::kConflict, std::move(api_code), std::move(message)};
    }
    static Error Internal(std::string message = "internal error") {
        return {ErrorCode::kInternal, "internal", std::move(message)};
    }
    static Error Unavailable(std::string message = "service unavailable") {
        return {ErrorCode::kUnavailable, "unavailable", std::move(message)};
    }
    static Error StorageFull() {
        return {ErrorCode::kInsufficientStorage, "storage_full", "the server has no room to store this file"};
    }
    static Error RateLimited(int retry_after_seconds) {
        return {ErrorCode::kRateLimited, "rate_limited", "too many attempts, retry later",
                retry_after_seconds};
    }
};

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { assert(ok()); return std::get<0>(v_); }
    const T& value() const& { assert(ok()); return std::get<0>(v_); }
    T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }

    const Error& error() const& { assert(!ok()); return std::get<1>(v_); }
    Error&& error() && { assert(!ok()); return std::get<1>(std::move(v_)); }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    void value() const { assert(ok_); }
    const Error& error() const& { assert(!ok_); return error_; }
    Error&& error() && { assert(!ok_); return std::move(error_); }

private:
    Error error_;
    bool ok_ = true;
};

using Status = Result<void>;

}  // namespace veche

// Propagates an error out of the enclosing function that returns a Result.
#define VECHE_CONCAT_INNER(a, b) a##b
#define VECHE_CONCAT(a, b) VECHE_CONCAT_INNER(a, b)
#define VECHE_TRY_IMPL(tmp, lhs, expr) \
    auto tmp = (expr);                 \
    if (!tmp.ok()) return std::move(tmp).error(); \
    lhs = std::move(tmp).value()
#define VECHE_ASSIGN_OR_RETURN(lhs, expr) VECHE_TRY_IMPL(VECHE_CONCAT(veche_try_, __LINE__), lhs, expr)
#define VECHE_RETURN_IF_ERROR(expr)                              \
    do {                                                         \
        auto veche_status_ = (expr);                             \
        if (!veche_status_.ok()) return std::move(veche_status_).error(); \
    } while (0)
