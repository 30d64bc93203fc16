// Comm::task_farm with typed tasks and results: each is a struct of messages.hpp, sent in its encoding.
#pragma once
#include <optional>
#include <string>
#include <utility>

#include "parallel/comm.hpp"
#include "pipeline/messages.hpp"

namespace precis {

// Rank 0 hands out make_task(i) for i < n_tasks; a worker's work(task) returns a Result, or nothing for a task it
// dropped because a stop was asked for (poll_stop); on_result(Result&&) runs on rank 0 for each result in the order
// they arrive. See Comm::task_farm for stops and for one-rank runs.
template <class Task, class Result, class MakeTask, class Work, class OnResult>
void task_farm(Comm& comm, size_t n_tasks, MakeTask&& make_task, Work&& work, OnResult&& on_result) {
    comm.task_farm(
        n_tasks, [&](size_t i) { return encode(Task(make_task(i))); },
        [&](const std::string& msg) {
            Task t;
            decode(msg, t);
            const std::optional<Result> r = work(t);
            return r ? "r" + encode(*r) : std::string();  // never empty when there is a result
        },
        [&](std::string&& msg) {
            if (msg.empty()) return;  // dropped by a stop
            Result r;
            decode(msg.substr(1), r);
            on_result(std::move(r));
        });
}

}  // namespace precis
