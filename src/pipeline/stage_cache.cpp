// The stage cache's protocol across ranks (the cache itself, on rank 0: pipeline/resume.cpp).
#include "pipeline/stages.hpp"

namespace precis {

bool StageCache::lookup(const std::string& name, const std::string& key, std::string& payload) {
    std::vector<int64_t> hit{0};
    comm_.all_or_none([&] {
        if (root_ && load_stage(output_, name, key, payload)) {
            hit[0] = 1;
            root_->stages_reused.push_back(name);
        }
    });
    comm_.broadcast(hit);
    if (hit[0]) comm_.broadcast(payload);
    return hit[0] != 0;
}

void StageCache::save(const std::string& name, const std::string& key, const std::function<std::string()>& payload) {
    comm_.stop_point(name + " was not finished and starts again on resume; the journal keeps the samples");
    comm_.all_or_none([&] {
        if (root_) save_stage(output_, name, key, payload());
    });
}

}  // namespace precis
