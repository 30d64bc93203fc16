// `precis slurm`: an sbatch script from a study's `resources`, through a template (the built-in slurm/precis.sbatch
// or the study's resources.template), and its submission. Every value from the study enters the script either
// through a check that admits only Slurm's own forms (#SBATCH lines, which sbatch reads itself) or single-quoted
// for the shell; nothing from the study is ever run as shell here (sbatch is started without a shell).
#pragma once
#include <string>

#include "config/study.hpp"

namespace precis {

// The shell word for `s`: '...' with each ' written as '\''.
std::string shell_quote(const std::string& s);

// The built-in template (slurm/precis.sbatch, carried in the binary).
const std::string& builtin_sbatch_template();

// The script for `study` (resolved). `precis` is this program's absolute path. Placeholders are {{name}}; an
// unknown one, or a path #SBATCH cannot carry, is a Config error naming the template or key.
std::string render_sbatch(const StudyConfig& study, const std::string& template_text, const std::string& template_name,
                          const std::string& precis);

// Where `precis slurm` writes the script and where the job logs go, inside the study's output folder.
std::string sbatch_path(const StudyConfig& study);
std::string log_folder(const StudyConfig& study);

// Runs `sbatch --parsable SCRIPT` (no shell) and returns the job id; throws IO with sbatch's own message.
std::string submit_sbatch(const std::string& script);

}  // namespace precis
