#include "veche/api/uploads.hpp"

#include "veche/api/router.hpp"
#include "veche/core/text.hpp"

namespace veche::api {

Result<UploadTarget> ReadUploadTarget(const Request& request, std::size_t id_segment) {
    auto seg = SplitPath(request.path);
    if (id_segment >= seg.size()) return Error::InvalidArgument("the upload's path names no item");
    auto id = ParseId(PercentDecode(seg[id_segment], false));
    if (!id) return Error::InvalidArgument("'" + std::string(seg[id_segment]).substr(0, 40) + "' is not an id");
    auto name = request.query.find("name");
    if (name == request.query.end() || name->second.empty())
        return Error::InvalidArgument("query parameter 'name' (the file name) is required");
    if (!text::IsValidUtf8(name->second)) return Error::InvalidArgument("query parameter 'name' is not UTF-8");
    return UploadTarget{*id, name->second};
}

}  // namespace veche::api
