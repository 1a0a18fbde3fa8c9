#include "veche/signing/signing_service.hpp"

#include <sodium.h>

#include <boost/json/parse.hpp>
#include <stdexcept>

#include "veche/core/clock.hpp"
#include "veche/core/crypto.hpp"

namespace veche::signing {
namespace {

namespace bj = boost::json;
using storage::Tx;

std::string Bytes(const unsigned char* data, std::size_t size) {
    return std::string(reinterpret_cast<const char*>(data), size);
}
const unsigned char* Raw(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

std::string KeyIdOf(std::string_view public_key) { return crypto::Sha256Hex(public_key).substr(0, 16); }

Key ReadKey(storage::Statement& st) {
    Key k;
    k.key_id = st.Text(0);
    k.alg = st.Text(1);
    k.public_key = FromBase64Url(st.Text(2)).value_or("");
    k.created_at = st.Int(3);
    k.retired_at = st.OptInt(4);
    return k;
}

constexpr std::string_view kSelectKey =
    "SELECT key_id, alg, public_key, created_at, retired_at FROM signing_keys";

std::optional<Key> ActiveKey(Tx& tx) {
    auto& st = tx.Query(std::string(kSelectKey) + " WHERE alg = ? AND retired_at IS NULL", kEd25519);
    if (!st.Step()) return std::nullopt;
    Key k = ReadKey(st);
    while (st.Step()) {
    }
    return k;
}

// Inserts a fresh key unless one is active; either way returns the active one. The partial unique
// index makes a concurrent node's insert wait for this one's commit and then do nothing.
Result<Key> InsertKeyIfNone(Tx& tx) {
    if (auto active = ActiveKey(tx)) return *active;
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_keypair(pk, sk);
    std::string public_key = Bytes(pk, sizeof pk);
    std::string secret = Base64Url(Bytes(sk, sizeof sk));
    sodium_memzero(sk, sizeof sk);
    tx.Exec(
        "INSERT INTO signing_keys(key_id, alg, public_key, secret_key, created_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        KeyIdOf(public_key), kEd25519, Base64Url(public_key), secret, NowMs());
    sodium_memzero(secret.data(), secret.size());
    if (auto active = ActiveKey(tx)) return *active;
    return Error::Internal("no active signing key after creating one");
}

Signature ReadSignature(storage::Statement& st) {
    Signature s;
    s.id = st.Int(0);
    s.statement = st.Text(1);
    s.statement_sha256 = st.Text(2);
    s.alg = st.Text(3);
    s.key_id = st.Text(4);
    s.signature = FromBase64Url(st.Text(5)).value_or("");
    s.provider_evidence = FromBase64Url(st.Text(6)).value_or("");
    s.created_at = st.Int(7);
    return s;
}

bool ValidProviderName(std::string_view name) {
    if (name.empty() || name.size() > 32) return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
    return true;
}

std::string AlgOf(std::string_view provider) {
    return provider == kEd25519 ? std::string(kEd25519) : "provider:" + std::string(provider);
}

// The server's own key: signs with the active key, verifies with whichever key the signature names.
class Ed25519Provider final : public SignatureProvider {
public:
    std::string_view name() const override { return kEd25519; }

    Result<ProviderSignature> Sign(Tx& tx, const SignRequest& request) override {
        if (!request.presented.empty())
            return Error::InvalidArgument("the server's key signs itself: no signature is presented to it");
        auto& st = tx.Query(
            "SELECT key_id, secret_key FROM signing_keys WHERE alg = ? AND retired_at IS NULL", kEd25519);
        if (!st.Step()) return Error::Unavailable("no signing key: the server has not created one");
        std::string key_id = st.Text(0);
        std::optional<std::string> secret = FromBase64Url(st.Text(1));
        while (st.Step()) {
        }
        if (!secret || secret->size() != crypto_sign_SECRETKEYBYTES)
            return Error::Internal("the signing key is damaged");
        unsigned char sig[crypto_sign_BYTES];
        crypto_sign_detached(sig, nullptr, Raw(request.statement), request.statement.size(), Raw(*secret));
        sodium_memzero(secret->data(), secret->size());
        return ProviderSignature{std::move(key_id), Bytes(sig, sizeof sig), {}};
    }

    Result<ProviderCheck> Verify(Tx& tx, const Signature& signature) override {
        auto& st = tx.Query("SELECT public_key FROM signing_keys WHERE key_id = ? AND alg = ?",
                            signature.key_id, kEd25519);
        if (!st.Step()) return ProviderCheck{false, "unknown_key"};
        std::optional<std::string> pk = FromBase64Url(st.Text(0));
        while (st.Step()) {
        }
        if (!pk || pk->size() != crypto_sign_PUBLICKEYBYTES) return ProviderCheck{false, "unknown_key"};
        if (signature.signature.size() != crypto_sign_BYTES ||
            crypto_sign_verify_detached(Raw(signature.signature), Raw(signature.statement),
                                        signature.statement.size(), Raw(*pk)) != 0)
            return ProviderCheck{false, "bad_signature"};
        return ProviderCheck{true, ""};
    }
};

}  // namespace

std::string Base64Url(std::string_view bytes) {
    std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(out.data(), out.size(), Raw(bytes), bytes.size(),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(std::char_traits<char>::length(out.c_str()));
    return out;
}

std::optional<std::string> FromBase64Url(std::string_view text) {
    std::string out(text.size() * 3 / 4 + 3, '\0');
    std::size_t len = 0;
    const char* end = nullptr;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(),
                          nullptr, &len, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        end != text.data() + text.size())
        return std::nullopt;
    out.resize(len);
    return out;
}

SigningService::SigningService(storage::Database& db) : db_(db) {
    crypto::InitCrypto();
    AddProvider(std::make_unique<Ed25519Provider>());
}

SigningService::~SigningService() = default;

void SigningService::AddProvider(std::unique_ptr<SignatureProvider> provider) {
    std::string name(provider->name());
    if (!ValidProviderName(name)) throw std::logic_error("bad signature provider name: " + name);
    if (!providers_.emplace(name, std::move(provider)).second)
        throw std::logic_error("signature provider added twice: " + name);
}

SignatureProvider* SigningService::FindProvider(std::string_view alg) const {
    std::string_view name = alg;
    if (alg != kEd25519) {
        constexpr std::string_view kPrefix = "provider:";
        if (alg.substr(0, kPrefix.size()) != kPrefix) return nullptr;
        name = alg.substr(kPrefix.size());
        if (name == kEd25519) return nullptr;
    }
    auto it = providers_.find(name);
    return it == providers_.end() ? nullptr : it->second.get();
}

Result<Key> SigningService::EnsureKey() {
    return db_.Write([](Tx& tx) { return InsertKeyIfNone(tx); });
}

Result<Key> SigningService::RotateKey() {
    return db_.Write([](Tx& tx) -> Result<Key> {
        tx.Exec("UPDATE signing_keys SET retired_at = ? WHERE alg = ? AND retired_at IS NULL", NowMs(),
                kEd25519);
        return InsertKeyIfNone(tx);
    });
}

Result<std::vector<Key>> SigningService::PublicKeys() {
    return db_.Read([](Tx& tx) -> Result<std::vector<Key>> {
        std::vector<Key> out;
        auto& st =
            tx.Query(std::string(kSelectKey) +
                     " ORDER BY CASE WHEN retired_at IS NULL THEN 0 ELSE 1 END, created_at DESC, key_id");
        while (st.Step()) out.push_back(ReadKey(st));
        return out;
    });
}

Result<Signature> SigningService::Sign(Tx& tx, const bj::object& statement, std::string_view provider,
                                       std::string_view presented) {
    if (!tx.IsWrite()) return Error::Internal("signing needs a write transaction");
    auto it = providers_.find(provider);
    if (it == providers_.end()) return Error::InvalidArgument("unknown signature provider");
    VECHE_RETURN_IF_ERROR(CheckStatement(statement));
    Signature s;
    s.statement = Canonical(statement);
    s.statement_sha256 = crypto::Sha256Hex(s.statement);
    s.alg = AlgOf(provider);
    VECHE_ASSIGN_OR_RETURN(ProviderSignature made,
                           it->second->Sign(tx, SignRequest{s.statement, s.statement_sha256, presented}));
    s.id = GlobalIds().Next();
    s.key_id = std::move(made.key_id);
    s.signature = std::move(made.signature);
    s.provider_evidence = std::move(made.evidence);
    s.created_at = NowMs();
    tx.Exec(
        "INSERT INTO signing_signatures(id, statement, statement_sha256, alg, key_id, signature, "
        "provider_evidence, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        s.id, s.statement, s.statement_sha256, s.alg, s.key_id, Base64Url(s.signature),
        Base64Url(s.provider_evidence), s.created_at);
    return s;
}

Result<Signature> SigningService::Get(Id id) {
    return db_.Read([&](Tx& tx) { return Get(tx, id); });
}

Result<Signature> SigningService::Get(Tx& tx, Id id) {
    auto& st = tx.Query(
        "SELECT id, statement, statement_sha256, alg, key_id, signature, provider_evidence, created_at "
        "FROM signing_signatures WHERE id = ?",
        id);
    if (!st.Step()) return Error::NotFound("signature");
    Signature s = ReadSignature(st);
    while (st.Step()) {
    }
    return s;
}

Result<Verification> SigningService::Verify(Id signature_id) {
    return db_.Read([&](Tx& tx) { return Verify(tx, signature_id); });
}

Result<Verification> SigningService::Verify(Tx& tx, Id signature_id) {
    VECHE_ASSIGN_OR_RETURN(Signature s, Get(tx, signature_id));
    Verification v;
    boost::system::error_code ec;
    bj::value parsed = bj::parse(s.statement, ec);
    const bool is_object = !ec && parsed.is_object();
    if (is_object) v.statement = std::move(parsed.as_object());
    auto finish = [&](bool valid, std::string reason) {
        v.valid = valid;
        v.reason = std::move(reason);
        v.signature = std::move(s);
        return v;
    };
    // A statement edited after signing, or one that is no longer an object, proves nothing.
    if (!is_object || crypto::Sha256Hex(s.statement) != s.statement_sha256)
        return finish(false, "bad_signature");
    SignatureProvider* provider = FindProvider(s.alg);
    if (!provider) return finish(false, "unknown_provider");
    VECHE_ASSIGN_OR_RETURN(ProviderCheck check, provider->Verify(tx, s));
    return finish(check.valid, check.valid ? std::string() : std::move(check.reason));
}

}  // namespace veche::signing
