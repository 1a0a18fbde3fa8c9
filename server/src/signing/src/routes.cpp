#include "veche/signing/routes.hpp"

#include <boost/json/array.hpp>

#include "veche/api/http_types.hpp"

namespace veche::signing {

namespace bj = boost::json;

bj::object KeySetJson(const std::vector<Key>& keys) {
    bj::array out;
    for (const auto& k : keys) {
        bj::object jwk{
            {"kid", k.key_id}, {"kty", "OKP"}, {"crv", "Ed25519"},          {"x", Base64Url(k.public_key)},
            {"alg", "EdDSA"},  {"use", "sig"}, {"created_at", k.created_at}};
        if (k.retired_at)
            jwk["retired_at"] = *k.retired_at;
        else
            jwk["retired_at"] = nullptr;
        out.push_back(std::move(jwk));
    }
    return bj::object{{"keys", std::move(out)}};
}

void AddRoutes(api::Router& router, SigningService& service) {
    // Public by design: whoever holds a statement and its signature may check it without an account.
    router.Add("GET", "/.well-known/veche-signing-keys", [&service](api::Request&) {
        auto keys = service.PublicKeys();
        if (!keys.ok()) return api::ErrorResponse(keys.error());
        api::Response r = api::Json(200, KeySetJson(*keys));
        // Keys change only by a rotation, which keeps the old ones: a short cache is safe.
        r.headers.emplace_back("Cache-Control", "public, max-age=300");
        return r;
    });
}

}  // namespace veche::signing
