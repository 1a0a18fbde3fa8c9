#pragma once
// The canonical statement (docs/api.md, "Signatures"): the exact bytes a signature covers, so that
// anyone holding the statement's fields can rebuild them and check the signature without Veche.
//
// A statement is a JSON object. Its canonical text is the object serialized with:
//   - no whitespace outside strings;
//   - the members of every object, at every depth, sorted by their keys' UTF-8 bytes (the same
//     order as by Unicode code points, which is what Python's sort_keys gives);
//   - arrays in their own order;
//   - integers as plain decimals (an optional '-', no leading zeros, no exponent); no other numbers:
//     a float has several spellings, so a statement holding one is refused;
//   - strings (keys too) as boost::json writes them: '"' and '\' escaped as \" and \\, the controls
//     U+0008, U+0009, U+000A, U+000C, U+000D as \b \t \n \f \r, every other control below U+0020 as
//     \u00XX with lowercase hex, everything else (non-ASCII, '/', U+007F) as its raw UTF-8 bytes;
//   - true, false and null as themselves.
// This equals Python's json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
// encoded as UTF-8. It is RFC 8785 (JCS) restricted to integers, except that JCS orders keys by
// UTF-16 code units: the two differ only for keys holding characters above U+FFFF.
//
// Thread safety: pure functions.

#include <boost/json/object.hpp>
#include <cstddef>
#include <string>

#include "veche/core/error.hpp"

namespace veche::signing {

inline constexpr std::size_t kMaxStatementBytes = 64 * 1024;
inline constexpr int kMaxStatementDepth = 16;

// invalid_argument when the object holds a float, a string (or key) that is not valid UTF-8, is
// nested deeper than kMaxStatementDepth or is longer than kMaxStatementBytes once canonical.
Status CheckStatement(const boost::json::object& statement);

// The canonical text described above. Precondition: CheckStatement passed (a float throws
// std::invalid_argument: it is the caller's bug, not the user's).
std::string Canonical(const boost::json::object& statement);

}  // namespace veche::signing
