#pragma once
// GET /.well-known/veche-signing-keys: the server's signing keys as a JWK set (RFC 7517, Ed25519
// keys as RFC 8037 OKP), without authentication, for verifying signatures offline (docs/api.md,
// "Signatures").

#include "veche/api/router.hpp"
#include "veche/signing/signing_service.hpp"

namespace veche::signing {

// `service` must outlive the router.
void AddRoutes(api::Router& router, SigningService& service);

// The JWK set document the route serves.
boost::json::object KeySetJson(const std::vector<Key>& keys);

}  // namespace veche::signing
