// Signatures over canonical statements (veche/signing/signing_service.hpp). The canonical form is
// pure (SigningStatement); the service runs on SQLite and, under VECHE_TEST_STORAGE=postgresql, on
// PostgreSQL (SigningService): one key however many nodes start at once, sign and verify in the
// caller's transaction, a changed statement or an unknown key is invalid, and a signature verifies
// offline with libsodium alone from the published JWK.
#include <gtest/gtest.h>
#include <sodium.h>

#include <boost/json/parse.hpp>
#include <cstdlib>
#include <thread>

#include "test_util.hpp"
#include "veche/api/router.hpp"
#include "veche/core/crypto.hpp"
#include "veche/signing/routes.hpp"
#include "veche/signing/signing_service.hpp"
#include "veche/signing/statement.hpp"

namespace veche::signing_testing {
namespace {

using namespace signing;
namespace bj = boost::json;
using storage::Tx;

bj::object Obj(std::string_view text) { return bj::parse(text).as_object(); }

TEST(SigningStatement, SortsKeysAtEveryDepthAndEscapesLikePythonJson) {
    // The same object written out of order and with whitespace.
    bj::object o = Obj(R"({ "z": 1, "big": 18446744073709551615, "-1": -42, "": [],
        "a": {"y": [3, "x", {"b": true, "a": null}], "é": "ü", "e": false},
        "B": "line\nbreak \"q\" \\ \u0001\u001f\t\b\f\r / \u007f € 😀" })");
    // What python3 -c 'json.dumps(o, sort_keys=True, separators=(",", ":"), ensure_ascii=False)'
    // prints for it (docs/api.md, "Signatures").
    const std::string expected =
        R"({"":[],"-1":-42,"B":"line\nbreak \"q\" \\ \u0001\u001f\t\b\f\r / )"
        "\x7f"
        R"( € 😀","a":{"e":false,"y":[3,"x",{"a":null,"b":true}],"é":"ü"},"big":18446744073709551615,"z":1})";
    EXPECT_TRUE(CheckStatement(o).ok());
    EXPECT_EQ(Canonical(o), expected);
}

TEST(SigningStatement, OrdersKeysByTheirBytesNotByInsertion) {
    bj::object o;
    o["b"] = 1;
    o["a"] = bj::object{{"d", 1}, {"c", bj::array{bj::object{{"z", 0}, {"y", 0}}}}};
    o["B"] = 2;
    o["ä"] = 3;  // 0xC3 0xA4: after every ASCII key
    EXPECT_EQ(Canonical(o), R"({"B":2,"a":{"c":[{"y":0,"z":0}],"d":1},"b":1,"ä":3})");
    EXPECT_EQ(Canonical({}), "{}");
}

TEST(SigningStatement, RefusesFloatsBadUtf8AndDeepNesting) {
    EXPECT_EQ(CheckStatement(Obj(R"({"a":{"b":[1.5]}})")).error().code, ErrorCode::kInvalidArgument);
    bj::object bad;
    bad["s"] = bj::string("\xC3\x28");
    EXPECT_FALSE(CheckStatement(bad).ok());
    bj::object bad_key;
    bad_key[bj::string_view("\xFF")] = 1;
    EXPECT_FALSE(CheckStatement(bad_key).ok());
    std::string deep = "1";
    for (int i = 0; i < 20; ++i) deep = "[" + deep + "]";
    EXPECT_FALSE(CheckStatement(Obj(R"({"d":)" + deep + "}")).ok());
    bj::object big;
    big["s"] = std::string(kMaxStatementBytes, 'x');
    EXPECT_FALSE(CheckStatement(big).ok());
}

bool UsePostgres() {
    const char* which = std::getenv("VECHE_TEST_STORAGE");
    return which && std::string(which) == "postgresql";
}

class SigningService : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = test::OpenServiceDatabase(dir_.File("sign.db"), 2, {signing::Schema()});
        svc_.emplace(*db_);
        auto key = svc_->EnsureKey();
        ASSERT_TRUE(key.ok());
        key_ = *key;
    }
    void TearDown() override {
        svc_.reset();
        if (db_) db_->Stop();
    }

    // A decision's statement, as the approvals will sign it (MODULES.md §1.7, item 12).
    static bj::object Decision() {
        return Obj(R"({"route_id":"7431","document_version_id":"7432",
            "file_sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "decision":"approve","comment_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "signer_id":"42","decided_at":1767261600000,"note":"Согласовано \"без\" замечаний"})");
    }

    Signature SignCommitted(const bj::object& statement) {
        auto s = db_->Write([&](Tx& tx) { return svc_->Sign(tx, statement); });
        EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
        return s.ok() ? *s : Signature{};
    }

    void Exec(const std::string& sql) {
        ASSERT_TRUE(db_->Write([&](Tx& tx) -> Status {
                           tx.Exec(sql);
                           return {};
                       })
                        .ok());
    }

    test::TempDir dir_;
    std::unique_ptr<storage::Database> db_;
    std::optional<signing::SigningService> svc_;
    Key key_;
};

TEST_F(SigningService, CreatesOneKeyNamedByItsPublicKeysHash) {
    EXPECT_EQ(key_.alg, "ed25519");
    ASSERT_EQ(key_.public_key.size(), crypto_sign_PUBLICKEYBYTES);
    EXPECT_EQ(key_.key_id, crypto::Sha256Hex(key_.public_key).substr(0, 16));
    EXPECT_FALSE(key_.retired_at);
    // A restart (another service over the same database) finds it.
    signing::SigningService restarted(*db_);
    auto again = restarted.EnsureKey();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->key_id, key_.key_id);
    auto keys = restarted.PublicKeys();
    ASSERT_TRUE(keys.ok());
    ASSERT_EQ(keys->size(), 1u);
    EXPECT_EQ(keys->front().public_key, key_.public_key);
}

TEST_F(SigningService, SignsInTheCallersTransactionAndVerifies) {
    Signature s = SignCommitted(Decision());
    EXPECT_EQ(s.statement, Canonical(Decision()));
    EXPECT_EQ(s.statement_sha256, crypto::Sha256Hex(s.statement));
    EXPECT_EQ(s.alg, "ed25519");
    EXPECT_EQ(s.key_id, key_.key_id);
    EXPECT_EQ(s.signature.size(), crypto_sign_BYTES);
    EXPECT_TRUE(s.provider_evidence.empty());

    auto got = svc_->Get(s.id);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->statement, s.statement);
    EXPECT_EQ(got->signature, s.signature);
    EXPECT_EQ(got->created_at, s.created_at);

    auto v = svc_->Verify(s.id);
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->valid);
    EXPECT_EQ(v->reason, "");
    EXPECT_EQ(v->statement, Decision());
    EXPECT_EQ(v->statement.at("file_sha256").as_string(), Decision().at("file_sha256").as_string());
    EXPECT_EQ(v->signature.id, s.id);

    EXPECT_EQ(svc_->Get(s.id + 1).error().api_code, "signature_not_found");
    EXPECT_EQ(svc_->Verify(s.id + 1).error().api_code, "signature_not_found");
}

TEST_F(SigningService, ASignatureRollsBackWithTheChangeItProves) {
    Id id = 0;
    auto st = db_->Write([&](Tx& tx) -> Status {
        auto s = svc_->Sign(tx, Decision());
        EXPECT_TRUE(s.ok());
        if (s.ok()) id = s->id;
        return Error::Conflict("decided", "the decision failed after signing");
    });
    EXPECT_FALSE(st.ok());
    ASSERT_NE(id, 0);
    EXPECT_EQ(svc_->Get(id).error().code, ErrorCode::kNotFound);
}

TEST_F(SigningService, RefusesABadStatementAnUnknownProviderAndAReadTransaction) {
    auto floaty = db_->Write([&](Tx& tx) { return svc_->Sign(tx, Obj(R"({"price":1.5})")); });
    EXPECT_EQ(floaty.error().code, ErrorCode::kInvalidArgument);
    auto unknown = db_->Write([&](Tx& tx) { return svc_->Sign(tx, Decision(), "cryptopro"); });
    EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
    auto presented = db_->Write([&](Tx& tx) { return svc_->Sign(tx, Decision(), kEd25519, "cms"); });
    EXPECT_EQ(presented.error().code, ErrorCode::kInvalidArgument);
    auto read = db_->Read([&](Tx& tx) { return svc_->Sign(tx, Decision()); });
    EXPECT_FALSE(read.ok());
}

TEST_F(SigningService, AFlippedByteInTheStoredStatementIsABadSignature) {
    Signature s = SignCommitted(Decision());
    std::string flipped = s.statement;
    flipped[flipped.find("approve")] = 'A';  // "Approve": still JSON, another decision
    // The statement changed alone: it no longer matches its hash.
    Exec("UPDATE signing_signatures SET statement = '" + flipped + "' WHERE id = " + IdToString(s.id));
    auto v = svc_->Verify(s.id);
    ASSERT_TRUE(v.ok());
    EXPECT_FALSE(v->valid);
    EXPECT_EQ(v->reason, "bad_signature");
    // The statement and its hash changed together: the signature does not cover it.
    Exec("UPDATE signing_signatures SET statement_sha256 = '" + crypto::Sha256Hex(flipped) +
         "' WHERE id = " + IdToString(s.id));
    v = svc_->Verify(s.id);
    ASSERT_TRUE(v.ok());
    EXPECT_FALSE(v->valid);
    EXPECT_EQ(v->reason, "bad_signature");
    EXPECT_EQ(v->statement.at("decision").as_string(), "Approve");
    // And a flipped bit in the signature itself.
    Signature t = SignCommitted(Decision());
    std::string sig = t.signature;
    sig[10] = static_cast<char>(sig[10] ^ 1);
    Exec("UPDATE signing_signatures SET signature = '" + Base64Url(sig) + "' WHERE id = " + IdToString(t.id));
    v = svc_->Verify(t.id);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->reason, "bad_signature");
}

TEST_F(SigningService, ASignatureByAnUnknownKeyIsInvalid) {
    Signature s = SignCommitted(Decision());
    Exec("UPDATE signing_signatures SET key_id = '0123456789abcdef' WHERE id = " + IdToString(s.id));
    auto v = svc_->Verify(s.id);
    ASSERT_TRUE(v.ok());
    EXPECT_FALSE(v->valid);
    EXPECT_EQ(v->reason, "unknown_key");
    Exec("UPDATE signing_signatures SET alg = 'provider:cryptopro' WHERE id = " + IdToString(s.id));
    v = svc_->Verify(s.id);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->reason, "unknown_provider");
}

TEST_F(SigningService, RotationKeepsOldSignaturesVerifiableAndPublished) {
    Signature before = SignCommitted(Decision());
    auto next = svc_->RotateKey();
    ASSERT_TRUE(next.ok());
    EXPECT_NE(next->key_id, key_.key_id);
    Signature after = SignCommitted(Decision());
    EXPECT_EQ(after.key_id, next->key_id);
    EXPECT_TRUE(svc_->Verify(before.id)->valid);
    EXPECT_TRUE(svc_->Verify(after.id)->valid);
    auto keys = svc_->PublicKeys();
    ASSERT_TRUE(keys.ok());
    ASSERT_EQ(keys->size(), 2u);
    EXPECT_EQ((*keys)[0].key_id, next->key_id);
    EXPECT_FALSE((*keys)[0].retired_at);
    EXPECT_EQ((*keys)[1].key_id, key_.key_id);
    EXPECT_TRUE((*keys)[1].retired_at);
    EXPECT_EQ(svc_->EnsureKey()->key_id, next->key_id);
}

// Acceptance 13 of MODULES.md §1.7: nothing of Veche's but the published document and the
// statement's fields; libsodium's own base64 and crypto_sign_verify_detached.
TEST_F(SigningService, VerifiesOfflineWithThePublishedKeyAlone) {
    Signature s = SignCommitted(Decision());
    api::Router router;
    AddRoutes(router, *svc_);
    api::Request req;
    req.method = "GET";
    req.path = "/.well-known/veche-signing-keys";
    std::string route;
    api::Response res = router.Dispatch(req, route);
    ASSERT_EQ(res.status, 200);
    bj::object doc = bj::parse(res.body).as_object();
    const bj::object* jwk = nullptr;
    for (const auto& k : doc.at("keys").as_array())
        if (k.as_object().at("kid").as_string() == s.key_id) jwk = &k.as_object();
    ASSERT_NE(jwk, nullptr);
    EXPECT_EQ(jwk->at("kty").as_string(), "OKP");
    EXPECT_EQ(jwk->at("crv").as_string(), "Ed25519");
    EXPECT_EQ(jwk->at("alg").as_string(), "EdDSA");
    EXPECT_TRUE(jwk->at("retired_at").is_null());
    const bj::string& x = jwk->at("x").as_string();
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    std::size_t pk_len = 0;
    ASSERT_EQ(sodium_base642bin(pk, sizeof pk, x.data(), x.size(), nullptr, &pk_len, nullptr,
                                sodium_base64_VARIANT_URLSAFE_NO_PADDING),
              0);
    ASSERT_EQ(pk_len, sizeof pk);
    // The verifier rebuilds the statement from its fields (here the same object) by the rule.
    const std::string message = Canonical(Decision());
    const auto* m = reinterpret_cast<const unsigned char*>(message.data());
    const auto* sig = reinterpret_cast<const unsigned char*>(s.signature.data());
    EXPECT_EQ(crypto_sign_verify_detached(sig, m, message.size(), pk), 0);
    std::string other = message;
    other[other.size() - 3] ^= 1;
    EXPECT_NE(crypto_sign_verify_detached(sig, reinterpret_cast<const unsigned char*>(other.data()),
                                          other.size(), pk),
              0);
}

// Nodes of a cluster starting together: two databases over one store (PostgreSQL: two nodes' pools;
// SQLite: two handles on one file), each with its service, race to create the key.
TEST_F(SigningService, NodesStartingTogetherCreateOneKey) {
    auto open = [&](const std::string& where) {
        if (UsePostgres()) {
            storage::PostgresOptions o;
            o.url = where;
            o.readers = 1;
            o.modules = {signing::Schema()};
            return storage::OpenPostgres(o);
        }
        storage::DatabaseOptions o;
        o.path = where;
        o.readers = 1;
        o.synchronous_full = false;
        o.modules = {signing::Schema()};
        return storage::OpenSqlite(o);
    };
    for (int round = 0; round < 3; ++round) {
        std::string where = UsePostgres() ? test::CreatePostgresDatabase()
                                          : dir_.File("race" + std::to_string(round) + ".db");
        auto db_a = open(where);
        auto db_b = open(where);
        signing::SigningService a(*db_a), b(*db_b);
        std::optional<Result<Key>> ka, kb;
        std::thread ta([&] { ka.emplace(a.EnsureKey()); });
        std::thread tb([&] { kb.emplace(b.EnsureKey()); });
        ta.join();
        tb.join();
        ASSERT_TRUE(ka->ok()) << ka->error().message;
        ASSERT_TRUE(kb->ok()) << kb->error().message;
        EXPECT_EQ((*ka)->key_id, (*kb)->key_id);
        auto keys = a.PublicKeys();
        ASSERT_TRUE(keys.ok());
        EXPECT_EQ(keys->size(), 1u);
        // Each node signs with that key, and each verifies the other's signature.
        auto sa = db_a->Write([&](Tx& tx) { return a.Sign(tx, Decision()); });
        ASSERT_TRUE(sa.ok());
        EXPECT_EQ(sa->key_id, (*ka)->key_id);
        EXPECT_TRUE(b.Verify(sa->id)->valid);
        db_a->Stop();
        db_b->Stop();
    }
}

// Two services over one database handle agree too (what a single SQLite node may do).
TEST_F(SigningService, TwoServicesOverOneDatabaseAgreeOnTheKey) {
    signing::SigningService other(*db_);
    auto k = other.EnsureKey();
    ASSERT_TRUE(k.ok());
    EXPECT_EQ(k->key_id, key_.key_id);
    Signature s = SignCommitted(Decision());
    EXPECT_TRUE(other.Verify(s.id)->valid);
}

}  // namespace
}  // namespace veche::signing_testing
