// precis slurm's rendering: quoting and placeholders.
#include <catch2/catch.hpp>

#include "config/study.hpp"
#include "slurm/slurm.hpp"

using namespace precis;

TEST_CASE("slurm: shell quoting keeps every character as text") {
    CHECK(shell_quote("plain") == "'plain'");
    CHECK(shell_quote("a b") == "'a b'");
    CHECK(shell_quote("$(rm -rf x); `y` \"z\"") == "'$(rm -rf x); `y` \"z\"'");
    CHECK(shell_quote("it's") == "'it'\\''s'");
    CHECK(shell_quote("") == "''");
}

TEST_CASE("slurm: the built-in template gets every resource, and unknown placeholders are errors") {
    StudyConfig s;
    s.name = "demo";
    s.path = "/data/st dir/study.yaml";
    s.output = "/data/out 100%";
    s.resources.ntasks = 16;
    s.resources.cpus_per_task = 4;
    s.resources.time = "1-00:00:00";
    s.resources.partition = "long";
    s.resources.sbatch_options = {"--qos=big", "--overcommit"};
    const std::string t = render_sbatch(s, builtin_sbatch_template(), "builtin", "/opt/precis/bin/precis");
    CHECK_THAT(t, Catch::Contains("#SBATCH --ntasks=16\n#SBATCH --cpus-per-task=4\n#SBATCH --time=1-00:00:00\n"));
    CHECK_THAT(t, Catch::Contains("#SBATCH --partition=long\n#SBATCH --qos=big\n#SBATCH --overcommit\n"));
    CHECK_THAT(t, !Catch::Contains("--account"));
    CHECK_THAT(t, Catch::Contains("#SBATCH --output=\"/data/out 100%%/logs/%x-%j.log\""));  // % is Slurm's
    CHECK_THAT(t, Catch::Contains("STUDY='/data/st dir/study.yaml'"));
    CHECK_THAT(t, Catch::Contains("srun --mpi=pmix -c \"$OMP_NUM_THREADS\""));
    CHECK_THAT(t, !Catch::Contains("{{"));
    s.resources.launcher = Launcher::Mpirun;
    CHECK_THAT(render_sbatch(s, "{{launch}}", "t", "p"), Catch::Contains("mpirun --map-by slot:PE="));
    CHECK_THROWS_WITH(render_sbatch(s, "line\n#SBATCH {{qos}}\n", "site.sbatch", "p"),
                      Catch::Contains("site.sbatch:2: unknown placeholder '{{qos}}'"));
    s.output = "/data/a\"b";
    CHECK_THROWS_WITH(render_sbatch(s, "x", "t", "p"), Catch::Contains("cannot carry"));
}

TEST_CASE("blank lines before #SBATCH lines are dropped, however many (no regex to overflow the stack)") {
    StudyConfig s;
    s.name = "st";
    s.path = "/d/study.yaml";
    s.output = "/d/out";
    const std::string blanks(40000, '\n');
    const std::string t = render_sbatch(s, "#!/bin/bash\n#SBATCH -J {{job_name}}\n" + blanks + "{{partition_line}}\n" +
                                               blanks + "#SBATCH -n {{ntasks}}\nx\n\n\ny\n" + blanks + "#SBATCH z\n",
                                       "site.sbatch", "p");
    CHECK(t == "#!/bin/bash\n#SBATCH -J st\n#SBATCH -n 8\nx\n\n\ny\n#SBATCH z\n");
    // only the blank lines right before an #SBATCH line go; the first line is kept even when blank
    CHECK(render_sbatch(s, "\n\n#SBATCH a\n\nb\n", "t", "p") == "\n#SBATCH a\n\nb\n");
}
