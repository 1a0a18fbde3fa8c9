#pragma once
// Private to the storage backends: one version of the frozen baseline schema, as each backend lists its own (the SQLite
// and PostgreSQL lists keep the same version numbers).

namespace veche::storage {

struct Migration {
    int version;
    const char* name;
    const char* sql;
};

}  // namespace veche::storage
