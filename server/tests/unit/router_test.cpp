#include "veche/api/router.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "veche/accounts/account_service.hpp"
#include "veche/api/http_types.hpp"
#include "veche/api/kit.hpp"
#include "veche/app/assembly.hpp"
#include "veche/app/modules.hpp"
#include "veche/core/crypto.hpp"
#include "veche/files/file_store.hpp"
#include "veche/platform/module.hpp"

namespace veche::api {
namespace {

struct Call {
    std::string handler;
    std::vector<std::string> params;
};

// A router whose handlers only record which of them ran and with what parameters.
class RecordingRouter {
public:
    RecordingRouter() {
        Add("GET", "/api/v1/chats");
        Add("POST", "/api/v1/chats");
        Add("GET", "/api/v1/chats/public");
        Add("GET", "/api/v1/chats/{id}");
        Add("PATCH", "/api/v1/chats/{id}");
        Add("GET", "/api/v1/chats/{id}/members/{user_id}");
        Add("PUT", "/api/v1/messages/{id}/reactions/{emoji}");
        Add("DELETE", "/api/v1/messages/{id}/reactions/{emoji}");
    }

    Response Dispatch(const std::string& method, const std::string& path, std::string* route = nullptr) {
        Request req;
        req.method = method;
        req.path = path;
        std::string matched;
        Response r = router_.Dispatch(req, matched);
        if (route) *route = matched;
        return r;
    }
    const std::vector<Call>& calls() const { return calls_; }

private:
    void Add(const std::string& method, const std::string& pattern) {
        router_.Add(method, pattern, [this, name = method + " " + pattern](Request& req) {
            calls_.push_back({name, req.params});
            return NoContent();
        });
    }

    Router router_;
    std::vector<Call> calls_;
};

boost::json::object ErrorBody(const Response& r) {
    auto v = boost::json::parse(r.body);
    return v.as_object().at("error").as_object();
}

std::string Header(const Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
        if (k == name) return v;
    }
    return "";
}

}  // namespace

TEST(Router, MatchesPatternsAndPassesPathParameters) {
    RecordingRouter router;
    std::string route;
    EXPECT_EQ(router.Dispatch("GET", "/api/v1/chats/123/members/456", &route).status, 204);
    EXPECT_EQ(route, "/api/v1/chats/{id}/members/{user_id}");
    ASSERT_EQ(router.calls().size(), 1u);
    EXPECT_EQ(router.calls()[0].handler, "GET /api/v1/chats/{id}/members/{user_id}");
    EXPECT_EQ(router.calls()[0].params, (std::vector<std::string>{"123", "456"}));

    EXPECT_EQ(router.Dispatch("PATCH", "/api/v1/chats/9", &route).status, 204);
    EXPECT_EQ(route, "/api/v1/chats/{id}");
    EXPECT_EQ(router.calls()[1].handler, "PATCH /api/v1/chats/{id}");
    EXPECT_EQ(router.calls()[1].params, std::vector<std::string>{"9"});

    EXPECT_EQ(router.Dispatch("GET", "/api/v1/chats").status, 204);
    EXPECT_EQ(router.calls()[2].handler, "GET /api/v1/chats");
    EXPECT_TRUE(router.calls()[2].params.empty());
}

TEST(Router, DecodesPathParametersAfterSplitting) {
    RecordingRouter router;
    ASSERT_EQ(router.Dispatch("PUT", "/api/v1/messages/5/reactions/%F0%9F%91%8D").status, 204);
    EXPECT_EQ(router.calls().back().params, (std::vector<std::string>{"5", "\xF0\x9F\x91\x8D"}));
    // An encoded slash stays inside its segment; '+' is not a space in a path.
    ASSERT_EQ(router.Dispatch("DELETE", "/api/v1/messages/5/reactions/a%2Fb+c").status, 204);
    EXPECT_EQ(router.calls().back().handler, "DELETE /api/v1/messages/{id}/reactions/{emoji}");
    EXPECT_EQ(router.calls().back().params, (std::vector<std::string>{"5", "a/b+c"}));
}

TEST(Router, LiteralRouteRegisteredFirstWinsOverAParameter) {
    RecordingRouter router;
    ASSERT_EQ(router.Dispatch("GET", "/api/v1/chats/public").status, 204);
    EXPECT_EQ(router.calls().back().handler, "GET /api/v1/chats/public");
    EXPECT_TRUE(router.calls().back().params.empty());
}

TEST(Router, UnknownPathIsRouteNotFound) {
    RecordingRouter router;
    for (std::string path :
         {"/api/v1/nope", "/api/v1/chats/1/unknown", "/api/v2/chats", "/", "/api/v1/chats/1/members"}) {
        std::string route;
        Response r = router.Dispatch("GET", path, &route);
        EXPECT_EQ(r.status, 404) << path;
        EXPECT_EQ(route, "unmatched");
        EXPECT_EQ(ErrorBody(r).at("code").as_string(), "route_not_found") << path;
    }
    EXPECT_TRUE(router.calls().empty());
}

TEST(Router, PreflightAnswersOnlyUnderItsPrefixAndIsNotARoute) {
    Router router;
    router.Add("GET", "/api/v1/support/widget/conversations", [](Request&) { return Json(200, boost::json::object{}); });
    router.Add("GET", "/api/v1/chats", [](Request&) { return Json(200, boost::json::object{}); });
    router.AddPreflight("/api/v1/support/widget/", [](Request&) { return NoContent(); });
    auto dispatch = [&](const std::string& method, const std::string& path) {
        Request req;
        req.method = method;
        req.path = path;
        std::string route;
        return router.Dispatch(req, route).status;
    };
    EXPECT_EQ(dispatch("OPTIONS", "/api/v1/support/widget/conversations"), 204);
    EXPECT_EQ(dispatch("OPTIONS", "/api/v1/support/widget/conversations/5/files"), 204);
    EXPECT_EQ(dispatch("OPTIONS", "/api/v1/chats"), 405);
    EXPECT_EQ(dispatch("OPTIONS", "/api/v1/support/widgetx"), 404);
    EXPECT_EQ(dispatch("GET", "/api/v1/support/widget/conversations"), 200);
    EXPECT_EQ(router.Routes().size(), 2u);
}

TEST(Router, KnownPathWithWrongMethodIsMethodNotAllowed) {
    RecordingRouter router;
    for (auto [method, path] :
         std::vector<std::pair<std::string, std::string>>{{"DELETE", "/api/v1/chats"},
                                                          {"POST", "/api/v1/chats/1"},
                                                          {"GET", "/api/v1/messages/1/reactions/x"}}) {
        std::string route;
        Response r = router.Dispatch(method, path, &route);
        EXPECT_EQ(r.status, 405) << method << " " << path;
        EXPECT_EQ(route, "unmatched");
        EXPECT_EQ(ErrorBody(r).at("code").as_string(), "method_not_allowed");
    }
    EXPECT_TRUE(router.calls().empty());
}

TEST(Router, HeadIsServedByTheGetHandler) {
    RecordingRouter router;
    EXPECT_EQ(router.Dispatch("HEAD", "/api/v1/chats/7").status, 204);
    ASSERT_EQ(router.calls().size(), 1u);
    EXPECT_EQ(router.calls()[0].handler, "GET /api/v1/chats/{id}");
}

TEST(PercentDecode, DecodesValidEscapesAndKeepsTheRest) {
    EXPECT_EQ(PercentDecode("a%20b", false), "a b");
    EXPECT_EQ(PercentDecode("%41%42%43", false), "ABC");
    EXPECT_EQ(PercentDecode("%e2%82%ac", false), "\xE2\x82\xAC");
    EXPECT_EQ(PercentDecode("a+b", false), "a+b");
    EXPECT_EQ(PercentDecode("a+b", true), "a b");
    EXPECT_EQ(PercentDecode("%2B", true), "+");
    // Broken escapes pass through unchanged.
    EXPECT_EQ(PercentDecode("100%", false), "100%");
    EXPECT_EQ(PercentDecode("%4", false), "%4");
    EXPECT_EQ(PercentDecode("%zz", false), "%zz");
    EXPECT_EQ(PercentDecode("%%41", false), "%A");
    EXPECT_EQ(PercentDecode("%41", false), "A");
    EXPECT_EQ(PercentDecode("", false), "");
}

TEST(ParseQuery, SplitsDecodesAndKeepsTheFirstOccurrence) {
    auto q = ParseQuery("query=al%20ice&limit=5&flag&empty=&a+b=c+d&limit=7&&x=%3D%26");
    EXPECT_EQ(q.at("query"), "al ice");
    EXPECT_EQ(q.at("limit"), "5");
    EXPECT_EQ(q.at("flag"), "");
    EXPECT_EQ(q.at("empty"), "");
    EXPECT_EQ(q.at("a b"), "c d");
    EXPECT_EQ(q.at("x"), "=&");
    EXPECT_EQ(q.size(), 6u);
    EXPECT_TRUE(ParseQuery("").empty());
    EXPECT_TRUE(ParseQuery("&&").empty());
}

TEST(ErrorResponse, HasTheDocumentedBodyShape) {
    Response r = ErrorResponse(Error::NotFound("chat"));
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.content_type, "application/json");
    auto body = boost::json::parse(r.body).as_object();
    ASSERT_EQ(body.size(), 1u);
    auto error = body.at("error").as_object();
    EXPECT_EQ(error.size(), 2u);
    EXPECT_EQ(error.at("code").as_string(), "chat_not_found");
    EXPECT_EQ(error.at("message").as_string(), "chat not found");
    EXPECT_EQ(Header(r, "Retry-After"), "");
}

TEST(ErrorResponse, RateLimitedCarriesRetryAfterOfAtLeastOneSecond) {
    Response r = ErrorResponse(Error::RateLimited(42));
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(Header(r, "Retry-After"), "42");
    EXPECT_EQ(ErrorBody(r).at("code").as_string(), "rate_limited");
    EXPECT_EQ(Header(ErrorResponse(Error::RateLimited(0)), "Retry-After"), "1");
}

TEST(ErrorResponse, UnauthenticatedAsksForABearerToken) {
    Response r = ErrorResponse(Error::Unauthenticated());
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(Header(r, "WWW-Authenticate"), "Bearer");
}

TEST(ErrorResponse, MapsEveryCodeToItsStatus) {
    EXPECT_EQ(HttpStatus(ErrorCode::kInvalidArgument), 400);
    EXPECT_EQ(HttpStatus(ErrorCode::kMalformedRequest), 400);
    EXPECT_EQ(HttpStatus(ErrorCode::kUnauthenticated), 401);
    EXPECT_EQ(HttpStatus(ErrorCode::kForbidden), 403);
    EXPECT_EQ(HttpStatus(ErrorCode::kNotFound), 404);
    EXPECT_EQ(HttpStatus(ErrorCode::kMethodNotAllowed), 405);
    EXPECT_EQ(HttpStatus(ErrorCode::kConflict), 409);
    EXPECT_EQ(HttpStatus(ErrorCode::kPayloadTooLarge), 413);
    EXPECT_EQ(HttpStatus(ErrorCode::kUnsupportedMediaType), 415);
    EXPECT_EQ(HttpStatus(ErrorCode::kRateLimited), 429);
    EXPECT_EQ(HttpStatus(ErrorCode::kInternal), 500);
    EXPECT_EQ(HttpStatus(ErrorCode::kUnavailable), 503);
    EXPECT_EQ(ErrorResponse(Error::Conflict("chat_archived", "chat is archived")).status, 409);
    EXPECT_EQ(NoContent().status, 204);
    EXPECT_TRUE(NoContent().body.empty());
}

// The real routes, with a session written straight into the database (no password hashing).
class ApiRoutes : public ::testing::Test {
protected:
    void SetUp() override {
        crypto::InitCrypto();
        // The server's modules as `veche serve` assembles them (app/src/modules.cpp).
        modules_ = std::make_unique<app::Assembly>(app::Config{}, app::AllModules(app::Config{}));
        db_ = test::OpenServiceDatabase(dir_.File("api.db"), 2, modules_->Schemas());
        files_ = std::make_unique<files::FileStore>(dir_.File("files"));
        modules_->Start(*db_, kit_, *files_);
        app::AddSystemRoutes(router_, *db_, {});
        modules_->AddRoutes(router_);
        user_ = test::InsertUser(*db_, "alice");
        token_ = "vch_unit_test_token";
        auto st = db_->Write([&](storage::Tx& tx) -> Status {
            tx.Exec(
                "INSERT INTO sessions(id, user_id, token_hash, created_at, last_seen_at) "
                "VALUES (?, ?, ?, ?, ?)",
                GlobalIds().Next(), user_, crypto::Sha256Hex(token_), NowMs(), NowMs());
            return {};
        });
        ASSERT_TRUE(st.ok());
    }
    void TearDown() override {
        modules_->Stop();
        db_->Stop();
    }

    Response Call(const std::string& method, const std::string& path, const std::string& body = "",
                  const std::string& content_type = "application/json", bool authed = true) {
        Request req;
        req.method = method;
        req.path = path;
        req.body = body;
        if (!body.empty()) req.content_type = content_type;
        if (authed) req.authorization = "Bearer " + token_;
        std::string route;
        return router_.Dispatch(req, route);
    }

    test::TempDir dir_;
    std::unique_ptr<storage::Database> db_;
    HttpKit kit_;
    std::unique_ptr<app::Assembly> modules_;
    std::unique_ptr<files::FileStore> files_;
    Router router_;
    Id user_ = 0;
    std::string token_;
};

TEST_F(ApiRoutes, HealthNeedsNoAuthentication) {
    Response r = Call("GET", "/api/v1/health", "", "", false);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(boost::json::parse(r.body).at("status").as_string(), "ok");
    EXPECT_EQ(Call("DELETE", "/api/v1/health").status, 405);
    EXPECT_EQ(Call("GET", "/api/v1/healthz").status, 404);
}

TEST_F(ApiRoutes, AuthenticatedRoutesRefuseMissingOrUnknownTokens) {
    Response none = Call("GET", "/api/v1/chats", "", "", false);
    EXPECT_EQ(none.status, 401);
    EXPECT_EQ(ErrorBody(none).at("code").as_string(), "unauthenticated");
    EXPECT_EQ(Call("GET", "/api/v1/chats").status, 200);

    Request cookie;
    cookie.method = "GET";
    cookie.path = "/api/v1/users/me";
    cookie.cookie = "theme=dark; veche_session=" + token_;
    std::string route;
    Response me = router_.Dispatch(cookie, route);
    EXPECT_EQ(me.status, 200);
    EXPECT_EQ(boost::json::parse(me.body).at("id").as_string(), IdToString(user_));

    cookie.cookie = "veche_session=vch_wrong";
    EXPECT_EQ(router_.Dispatch(cookie, route).status, 401);
}

TEST_F(ApiRoutes, BadPathIdsAndBodiesAreClientErrors) {
    Response bad_id = Call("GET", "/api/v1/chats/abc");
    EXPECT_EQ(bad_id.status, 400);
    EXPECT_EQ(ErrorBody(bad_id).at("code").as_string(), "invalid_argument");

    Response unknown = Call("GET", "/api/v1/chats/" + IdToString(GlobalIds().Next()));
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(ErrorBody(unknown).at("code").as_string(), "chat_not_found");

    Response malformed = Call("POST", "/api/v1/chats", "{\"type\": ");
    EXPECT_EQ(malformed.status, 400);
    EXPECT_EQ(ErrorBody(malformed).at("code").as_string(), "malformed_json");

    Response bad_utf8 = Call("POST", "/api/v1/chats", "{\"type\": \"group\", \"name\": \"\xC3\x28\"}");
    EXPECT_EQ(bad_utf8.status, 400);
    EXPECT_EQ(ErrorBody(bad_utf8).at("code").as_string(), "malformed_json");

    Response wrong_type = Call("POST", "/api/v1/chats", "{\"type\": 5}");
    EXPECT_EQ(wrong_type.status, 400);
    EXPECT_EQ(ErrorBody(wrong_type).at("code").as_string(), "invalid_argument");
    EXPECT_NE(ErrorBody(wrong_type).at("message").as_string().find("type"), boost::json::string::npos);

    Response media = Call("POST", "/api/v1/chats", "type=group", "application/x-www-form-urlencoded");
    EXPECT_EQ(media.status, 415);
    EXPECT_EQ(ErrorBody(media).at("code").as_string(), "unsupported_media_type");

    Response created = Call("POST", "/api/v1/chats", R"({"type": "group", "name": "team"})",
                            "application/json; charset=utf-8");
    EXPECT_EQ(created.status, 201);
    EXPECT_EQ(boost::json::parse(created.body).at("my_role").as_string(), "owner");
}

}  // namespace veche::api
