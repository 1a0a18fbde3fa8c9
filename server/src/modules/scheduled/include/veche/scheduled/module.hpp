#pragma once
// Scheduled messages ("send later"): the first module on the job queue. Depends on chat (it posts
// through ChatService) and finds the platform's jobs::Scheduler at Start.

#include <memory>

#include "veche/platform/module.hpp"

namespace veche::scheduled {

std::unique_ptr<platform::Module> MakeModule();

}  // namespace veche::scheduled
