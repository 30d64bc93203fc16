#include "slurm/slurm.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

#include "core/error.hpp"
#include "core/version.hpp"

namespace fs = std::filesystem;

namespace precis {

extern const char* const kBuiltinSbatch;  // generated from slurm/precis.sbatch

std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

const std::string& builtin_sbatch_template() {
    static const std::string t = kBuiltinSbatch;
    return t;
}

std::string sbatch_path(const StudyConfig& s) { return (fs::path(s.output) / (s.name + ".sbatch")).string(); }
std::string log_folder(const StudyConfig& s) { return (fs::path(s.output) / "logs").string(); }

std::string render_sbatch(const StudyConfig& s, const std::string& text, const std::string& template_name,
                          const std::string& precis) {
    const ResourcesConfig& r = s.resources;
    // #SBATCH --output takes a double-quoted path; Slurm expands %-patterns in it, so a literal % is %%
    const std::string log_dir = log_folder(s);
    if (log_dir.find_first_of("\"\n\\") != std::string::npos)
        throw_config("the output folder " + s.output + " holds a character (\", \\ or a line break) that an #SBATCH "
                     "line cannot carry",
                     "choose study.output / --output without it");
    std::string log;
    for (char c : log_dir) log += c == '%' ? std::string("%%") : std::string(1, c);
    log += "/%x-%j.log";  // job name and id
    const std::string launch = r.launcher == Launcher::Mpirun
                                   ? "mpirun --map-by slot:PE=\"$OMP_NUM_THREADS\" --bind-to core:overload-allowed"
                                   : "srun --mpi=pmix -c \"$OMP_NUM_THREADS\" --kill-on-bad-exit=1";
    std::string more;  // checked against --name[=value] when the study was read
    for (auto& o : r.sbatch_options) more += (more.empty() ? "" : "\n") + std::string("#SBATCH ") + o;
    const std::map<std::string, std::string> values = {
        {"job_name", s.name},  // the schema admits [A-Za-z0-9._-] only
        {"nodes", std::to_string(r.nodes)},
        {"ntasks", std::to_string(r.ntasks)},
        {"cpus_per_task", std::to_string(r.cpus_per_task)},
        {"time", r.time},                // checked against Slurm's forms when the study was read
        {"mem_per_cpu", r.mem_per_cpu},  // likewise
        {"partition", r.partition},
        {"account", r.account},
        {"partition_line", r.partition.empty() ? "" : "#SBATCH --partition=" + r.partition},
        {"account_line", r.account.empty() ? "" : "#SBATCH --account=" + r.account},
        {"sbatch_options", more},
        {"log", "\"" + log + "\""},
        {"save_before", std::to_string(r.save_before)},
        {"setup", ""},
        {"precis", shell_quote(precis)},
        {"study", shell_quote(fs::absolute(s.path).lexically_normal().string())},
        {"output", shell_quote(s.output)},
        {"launch", launch},
        {"version", PRECIS_VERSION},
    };
    std::string out;
    size_t line = 1;
    for (size_t a = 0; a < text.size();) {
        const size_t open = text.find("{{", a);
        if (open == std::string::npos) {
            out += text.substr(a);
            break;
        }
        out += text.substr(a, open - a);
        line += size_t(std::count(text.begin() + long(a), text.begin() + long(open), '\n'));
        const size_t close = text.find("}}", open);
        const std::string name = close == std::string::npos ? "" : text.substr(open + 2, close - open - 2);
        auto it = values.find(name);
        if (it == values.end()) {
            std::string known;
            for (auto& [k, v] : values) known += (known.empty() ? "" : ", ") + k;
            throw_config(template_name + ":" + std::to_string(line) + ": unknown placeholder '{{" + name + "}}'",
                         "use one of: " + known);
        }
        out += it->second;
        a = close + 2;
    }
    // a placeholder that came out empty leaves an empty line: drop those among the #SBATCH lines
    // (by hand: std::regex recursed once per character and overflowed the stack on 30,000 blank lines)
    std::string kept;
    kept.reserve(out.size());
    size_t a_line = 0;
    for (bool first = true; a_line < out.size(); first = false) {
        size_t end = out.find('\n', a_line);
        end = end == std::string::npos ? out.size() : end + 1;
        if (!first && end - a_line == 1) {  // an empty line after the first: dropped if only blank lines separate it
            size_t next = out.find_first_not_of('\n', a_line);  // from the next #SBATCH line
            if (next != std::string::npos && out.compare(next, 7, "#SBATCH") == 0) {
                a_line = next;
                continue;
            }
        }
        kept.append(out, a_line, end - a_line);
        a_line = end;
    }
    return kept;
}

std::string submit_sbatch(const std::string& script) {
    int fds[2];
    if (::pipe(fds) != 0) throw_io(std::string("pipe: ") + std::strerror(errno), "the system is out of file descriptors: try again");
    const pid_t pid = ::fork();
    if (pid < 0) throw_io(std::string("fork: ") + std::strerror(errno), "the system is out of processes or memory: try again");
    if (pid == 0) {
        ::dup2(fds[1], 1);
        ::dup2(fds[1], 2);
        ::close(fds[0]);
        ::close(fds[1]);
        ::execlp("sbatch", "sbatch", "--parsable", script.c_str(), static_cast<char*>(nullptr));
        std::fprintf(stderr, "cannot run sbatch: %s\n", std::strerror(errno));
        ::_exit(127);
    }
    ::close(fds[1]);
    std::string said;
    std::array<char, 4096> buf{};
    for (ssize_t n; (n = ::read(fds[0], buf.data(), buf.size())) > 0;) said.append(buf.data(), size_t(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    while (!said.empty() && (said.back() == '\n' || said.back() == ' ')) said.pop_back();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw_io("sbatch " + script + " failed: " + said, "check the script and the site's limits (sinfo, sacctmgr)");
    const std::string id = said.substr(said.rfind('\n') == std::string::npos ? 0 : said.rfind('\n') + 1);
    return id.substr(0, id.find(';'));  // --parsable: "id" or "id;cluster"
}

}  // namespace precis
