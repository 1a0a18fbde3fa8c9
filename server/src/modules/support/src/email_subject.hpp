#pragma once
// Desk numbers in mail subjects: finding "[SUP-000123]" in a customer's subject, and the subject a
// reply is built on ("Re: <base> [SUP-000123]").

#include <cstdint>
#include <optional>
#include <string>

namespace veche::support {

// "[SUP-000123]" in a subject: the number (the first well-formed tag; case-insensitive).
std::optional<std::int64_t> NumberInSubject(const std::string& subject);
// The subject without reply prefixes ("Re:", "Fwd:", "AW:", "Ответ:") and desk numbers. Linear in
// the subject's length.
std::string BaseSubject(const std::string& subject);

}  // namespace veche::support
