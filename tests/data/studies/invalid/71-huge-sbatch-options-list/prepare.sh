# 100,000 sbatch options (1.2 MB), the last one malformed: every check is linear (a 900,000-entry list took 107 s)
{ cat study.yaml; echo "resources:"; echo "  sbatch_options:"; seq -f "    - --comment=c%.0f" 1 99999; echo "    - --Bad"; } > s
mv s study.yaml
