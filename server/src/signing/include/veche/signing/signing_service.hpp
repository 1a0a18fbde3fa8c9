#pragma once
// Signatures over canonical statements (MODULES.md §1.2 Signature, acceptance 12 and 13), a platform
// service for the modules that must prove a decision: published in the ModuleContext,
// ctx.Find<signing::SigningService>().
//
// Keys. The server signs with Ed25519 (RFC 8032, libsodium). Its key pair lives in signing_keys:
// EnsureKey (the assembly calls it at start) creates one when no key is active, in one write
// transaction whose insert a unique index on (alg) WHERE retired_at IS NULL guards, so nodes of a
// cluster starting together create one key and all sign with it. key_id is the first 16 hex digits
// of SHA-256(public key). The secret key is stored in the database, so it is as protected as the
// database (and its backups) is; RotateKey (`veche signing rotate-key`) retires the active key and
// creates a new one. Retired keys stay published: signatures made with them keep verifying.
// PublicKeys is what GET /.well-known/veche-signing-keys publishes (a JWK set, RFC 7517 / 8037).
//
// Signatures. Sign runs in the caller's write transaction: the signature row commits or rolls
// back with the decision it proves. Verify checks the stored signature over the stored statement
// with the key it names. What the statement says (a file's SHA-256, say) is the caller's to compare
// with the present: Verification carries the parsed statement for that.
//
// Providers. A SignatureProvider makes and checks one kind of signature. "ed25519" (the server's
// key) is built in; a qualified electronic signature (КЭП, CSC-style remote signing or a CMS/CAdES
// signature made by the user's own certificate) is a provider a deployment adds at start-up with
// AddProvider: the server computes the statement's hash, the external signer returns the CMS, and
// the provider checks it and keeps it as evidence (docs/api.md, "Signatures").
//
// Thread safety: AddProvider only before serving; every other member is safe from any thread.

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "veche/core/error.hpp"
#include "veche/core/ids.hpp"
#include "veche/signing/statement.hpp"
#include "veche/storage/database.hpp"
#include "veche/storage/migration.hpp"

namespace veche::signing {

// The module key of the signing_* tables; listed after the search index's.
storage::ModuleSchema Schema();

inline constexpr std::string_view kEd25519 = "ed25519";

// A public key as published. Secret keys never leave the service.
struct Key {
    std::string key_id;           // 16 lowercase hex digits: SHA-256(public_key)[0..8)
    std::string alg;              // "ed25519"
    std::string public_key;       // raw bytes (32 for Ed25519)
    std::int64_t created_at = 0;  // ms epoch
    std::optional<std::int64_t> retired_at;
};

struct Signature {
    Id id = 0;
    std::string statement;          // the canonical text (statement.hpp): the signed bytes
    std::string statement_sha256;   // lowercase hex SHA-256 of `statement`
    std::string alg;                // "ed25519", or "provider:<name>" for an added provider
    std::string key_id;             // the server key's id; for a provider, what it names the signer by
    std::string signature;          // raw bytes (64 for Ed25519)
    std::string provider_evidence;  // raw bytes (a provider's CMS/CAdES, timestamp token); empty for ed25519
    std::int64_t created_at = 0;    // ms epoch
};

struct Verification {
    bool valid = false;
    // Empty when valid; "bad_signature" (the signature does not match the stored statement, or the
    // statement does not match its hash), "unknown_key" (no key with that id), "unknown_provider"
    // (the provider that made it is not installed on this server), or a provider's own reason.
    std::string reason;
    Signature signature;
    boost::json::object statement;  // the stored statement, parsed, for the caller's own checks
};

// What a provider is asked to sign.
struct SignRequest {
    std::string_view statement;  // the canonical bytes
    // Their lowercase hex SHA-256: what a remote signer signs (CSC signatures/signHash).
    std::string_view statement_sha256;
    // A signature the client made itself over the statement (for a qualified signature: a detached
    // CMS by the user's certificate) for the provider to check and keep; empty for server-side keys.
    std::string_view presented;
};

struct ProviderSignature {
    std::string key_id;
    std::string signature;
    std::string evidence;
};

struct ProviderCheck {
    bool valid = false;
    std::string reason;  // as in Verification
};

// One kind of signature. Sign and Verify run inside a transaction of the caller's (a write one for
// Sign) and may read their own tables in it. Errors are for what must abort the caller's change
// (an unreachable signer: kUnavailable; a presented signature that is not one: kInvalidArgument).
// Implementations are called from many threads at once.
class SignatureProvider {
public:
    virtual ~SignatureProvider() = default;
    // [a-z0-9_-], 1..32 bytes; "ed25519" is the built-in one. Signatures record alg
    // "provider:<name>" for every other.
    virtual std::string_view name() const = 0;
    virtual Result<ProviderSignature> Sign(storage::Tx& tx, const SignRequest& request) = 0;
    virtual Result<ProviderCheck> Verify(storage::Tx& tx, const Signature& signature) = 0;
};

class SigningService {
public:
    // Registers the built-in Ed25519 provider. The database must outlive the service.
    explicit SigningService(storage::Database& db);
    ~SigningService();
    SigningService(const SigningService&) = delete;
    SigningService& operator=(const SigningService&) = delete;

    // The active Ed25519 key, created if there is none (see the top of the file).
    Result<Key> EnsureKey();
    // Retires the active key and makes a new one, in one transaction. Returns the new key.
    Result<Key> RotateKey();
    // Every key ever used, the active one first, then the retired ones newest first.
    Result<std::vector<Key>> PublicKeys();

    // Throws std::logic_error for a bad or duplicate name. Only before serving.
    void AddProvider(std::unique_ptr<SignatureProvider> provider);

    // Checks and canonicalizes `statement`, signs it with `provider` and stores the signature in
    // `tx` (a write transaction of the caller). invalid_argument for a statement CheckStatement
    // refuses or an unknown provider; kUnavailable when no key is active (EnsureKey not run).
    Result<Signature> Sign(storage::Tx& tx, const boost::json::object& statement,
                           std::string_view provider = kEd25519, std::string_view presented = {});

    // kNotFound signature_not_found for an unknown id.
    Result<Signature> Get(Id id);
    Result<Signature> Get(storage::Tx& tx, Id id);

    // Checks a stored signature (see Verification). kNotFound signature_not_found.
    Result<Verification> Verify(Id signature_id);
    Result<Verification> Verify(storage::Tx& tx, Id signature_id);

private:
    SignatureProvider* FindProvider(std::string_view alg) const;

    storage::Database& db_;
    std::map<std::string, std::unique_ptr<SignatureProvider>, std::less<>> providers_;
};

// base64url without padding (RFC 4648 §5), as JWKs carry bytes; nullopt for a bad text.
std::string Base64Url(std::string_view bytes);
std::optional<std::string> FromBase64Url(std::string_view text);

}  // namespace veche::signing
